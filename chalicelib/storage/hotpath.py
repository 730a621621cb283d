"""The authorizer's storage: plain botocore, no PynamoDB.

Every request of every downstream API comes through here, so this module costs what a bare
``GetItem`` costs: one botocore client per container, created on first use, and a reader
that turns the raw item into an :class:`ApiKey` (chalicelib/storage/raw_items.py, which
reads the items PynamoDB writes).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.config.settings import Settings
from chalicelib.domain.errors import StorageUnavailable
from chalicelib.domain.records import ApiKey, Group
from chalicelib.observability.metrics import THROTTLE_CODES
from chalicelib.storage.raw_items import Item, group_from_item, key_from_item

USAGE_RETENTION = timedelta(days=400)
# Fail fast: a decision that waits is a request that waits. botocore never retries: the
# retries are HotStore's own, so their budget is stated once, here.
CLIENT_CONFIG = Config(connect_timeout=1, read_timeout=2, retries={"total_max_attempts": 1})
# A throttled (or 5xx) request is retried up to RETRIES times, after a "full jitter" pause
# of random(0, min(RETRY_CAP, RETRY_BASE * 2**n)) seconds: at most 25 + 50 + 100 = 175 ms
# of waiting before a read becomes a deny (a throttled key read is a hot key; the pause
# lets DynamoDB's adaptive capacity catch up, and jitter keeps containers from retrying
# in step).
RETRIES = 3
RETRY_BASE = 0.025
RETRY_CAP = 0.2
RETRYABLE = THROTTLE_CODES | {"InternalServerError", "ServiceUnavailable"}
# Tenants' daily usage totals live in the usage table beside the per-key items, under
# "tenant#<tenant id>#<shard>": key ids never hold "#". Read by chalicelib/storage/usage.py.
TOTAL_PREFIX = "tenant#"


def total_key(tenant_id: str, shard: int) -> str:
    """The usage table hash key of one shard of a tenant's daily totals."""
    return f"{TOTAL_PREFIX}{tenant_id}#{shard}"


def dynamodb_client(settings: Settings, session: Any = None) -> Any:
    """A botocore DynamoDB client (the authorizer's only one), from ``session`` if given."""
    import botocore.session

    return (session or botocore.session.get_session()).create_client(
        "dynamodb",
        region_name=settings.region,
        endpoint_url=settings.dynamodb.endpoint,
        config=CLIENT_CONFIG,
    )


class HotStore:
    """Reads keys and groups and writes usage with one lazily built botocore client."""

    def __init__(
        self,
        settings: Settings,
        client_factory: Callable[[], Any] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
    ):
        self._settings = settings
        self._factory = client_factory or (lambda: dynamodb_client(settings))
        self._client: Any = None
        self._sleep = sleep
        self._rand = rand  # the retries' jitter and the usage totals' shard
        self.reads = 0  # counted for the benchmark's "database calls per decision"
        self.writes = 0
        # Every attempt DynamoDB throttled, and every retry _call made (the metrics).
        self.throttles = 0
        self.retries = 0

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self._factory()
            events = getattr(getattr(self._client, "meta", None), "events", None)
            if events is not None:
                # Emitted after each attempt with its answer; returning None leaves the
                # (never: CLIENT_CONFIG) retry to botocore. Retries are _call's own.
                events.register("needs-retry.dynamodb", self.count_attempt)
        return self._client

    def count_attempt(self, response: Any = None, **_: Any) -> None:
        """botocore's ``needs-retry`` hook: counts an attempt DynamoDB throttled."""
        parsed = response[1] if response is not None and len(response) > 1 else None
        if isinstance(parsed, dict) and parsed.get("Error", {}).get("Code") in THROTTLE_CODES:
            self.throttles += 1

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        """One request, retried within the budget (RETRIES) when throttled or a 5xx."""
        for attempt in range(RETRIES + 1):
            try:
                answer: dict[str, Any] = getattr(self.client, operation)(**params)
                return answer
            except ClientError as error:
                if attempt == RETRIES or error.response["Error"]["Code"] not in RETRYABLE:
                    raise
            self.retries += 1
            self._sleep(self._rand() * min(RETRY_CAP, RETRY_BASE * 2**attempt))
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _get(self, table: str, key: Item) -> Item | None:
        self.reads += 1
        try:
            answer = self._call("get_item", TableName=table, Key=key, ConsistentRead=True)
        except (ClientError, BotoCoreError) as error:
            raise StorageUnavailable(f"GetItem failed: {type(error).__name__}") from None
        item: Item | None = answer.get("Item")
        return item

    def get_key(self, key_id: str) -> ApiKey | None:
        """One strongly consistent GetItem (the authorizer keeps the answer briefly:
        chalicelib/domain/key_cache.py)."""
        item = self._get(self._settings.dynamodb.keys_table, {"key_id": {"S": key_id}})
        if item is None:
            return None
        try:
            return key_from_item(item)
        except (KeyError, ValueError, TypeError) as error:
            raise StorageUnavailable(f"unreadable key item: {type(error).__name__}") from None

    def get_group(self, tenant_id: str, group_id: str) -> Group | None:
        key = {"tenant_id": {"S": tenant_id}, "group_id": {"S": group_id}}
        item = self._get(self._settings.dynamodb.groups_table, key)
        if item is None:
            return None
        try:
            return group_from_item(item)
        except (KeyError, ValueError, TypeError) as error:
            raise StorageUnavailable(f"unreadable group item: {type(error).__name__}") from None

    def add_usage(
        self,
        tenant_id: str,
        key_id: str,
        day: str,
        allowed: int,
        denied: int,
        last_used: datetime | None,
        issued: int = 0,
    ) -> None:
        """Add one flush's counts to the key's day and to one shard of its tenant's day
        total, and move the key's ``last_used_at`` forward.

        Two ADDs, not a transaction: a transaction costs twice the units and conflicts
        under load on the shared total. If the second fails, the totals miss this flush
        (counted in UsageFlushFailures); `latchkey migrate usage-totals` recomputes a day.
        """
        expires = datetime.fromisoformat(day).replace(tzinfo=UTC) + USAGE_RETENTION
        values = {
            ":a": {"N": str(allowed)},
            ":d": {"N": str(denied)},
            ":e": {"N": str(int(expires.timestamp()))},
        }
        added = "allowed :a, denied :d"
        if issued:  # access tokens issued; only the token endpoint counts them
            added += ", tokens_issued :i"
            values[":i"] = {"N": str(issued)}
        self.writes += 1
        self._call(
            "update_item",
            TableName=self._settings.dynamodb.usage_table,
            Key={"key_id": {"S": key_id}, "day": {"S": day}},
            UpdateExpression=f"ADD {added} SET tenant_id = :t, expires = :e",
            ExpressionAttributeValues={**values, ":t": {"S": tenant_id}},
        )
        self._add_total(tenant_id, day, added, values)
        if last_used is not None:
            self._move_last_used(key_id, last_used)

    def _add_total(self, tenant_id: str, day: str, added: str, values: Item) -> None:
        # A shard at random per write: a busy tenant's day spreads over every shard.
        shard = min(
            int(self._rand() * self._settings.scale.usage_total_shards),
            self._settings.scale.usage_total_shards - 1,
        )
        self.writes += 1
        self._call(
            "update_item",
            TableName=self._settings.dynamodb.usage_table,
            Key={"key_id": {"S": total_key(tenant_id, shard)}, "day": {"S": day}},
            UpdateExpression=f"ADD {added} SET expires = :e",
            ExpressionAttributeValues=values,
        )

    def _move_last_used(self, key_id: str, last_used: datetime) -> None:
        stamp = last_used.strftime("%Y-%m-%dT%H:%M:%S.%f%z")  # PynamoDB's UTC format
        self.writes += 1
        try:
            self._call(
                "update_item",
                TableName=self._settings.dynamodb.keys_table,
                Key={"key_id": {"S": key_id}},
                UpdateExpression="SET last_used_at = :u",
                # Never move it back (flushes of several containers interleave), and never
                # create an item for a key that is gone.
                ConditionExpression="attribute_exists(key_id) AND "
                "(attribute_not_exists(last_used_at) OR last_used_at < :u)",
                ExpressionAttributeValues={":u": {"S": stamp}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
