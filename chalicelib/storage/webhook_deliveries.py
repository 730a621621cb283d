"""Webhook deliveries: one item per message and endpoint, its attempts, and the claim.

An attempt is two writes: :meth:`DeliveryStore.claim` takes it (a conditional update: still
pending, due, no live lease, exactly the attempts read) and :meth:`DeliveryStore.record`
writes its outcome only while the claim's token is still there. So two workers never both
make one attempt, and the attempt count moves once per attempt
(tests/integration/test_webhook_races.py).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.domain.webhooks import Attempt, Delivery, DeliveryRef
from chalicelib.storage.errors import is_condition_failure, storage_errors
from chalicelib.storage.webhook_models import WebhookDeliveryModel

M = WebhookDeliveryModel
# At most this many attempts are kept on a delivery (the schedule makes about 12).
KEPT_ATTEMPTS = 20


def _attempts_to(attempts: tuple[Attempt, ...]) -> str:
    return json.dumps(
        [
            {
                "at": attempt.at.isoformat(),
                "status_code": attempt.status_code,
                "error": attempt.error,
                "duration_ms": attempt.duration_ms,
            }
            for attempt in attempts[-KEPT_ATTEMPTS:]
        ]
    )


def _attempts_from(text: str) -> tuple[Attempt, ...]:
    return tuple(
        Attempt(
            datetime.fromisoformat(raw["at"]),
            raw.get("status_code"),
            raw.get("error"),
            int(raw.get("duration_ms") or 0),
        )
        for raw in json.loads(text)
    )


def delivery_from(item: WebhookDeliveryModel) -> Delivery:
    return Delivery(
        item.tenant_id,
        item.endpoint_id,
        item.message_id,
        item.event_type,
        item.created_at,
        item.body,
        item.state,
        _attempts_from(item.attempts),
        item.next_attempt_at,
    )


def _key(tenant_id: str, endpoint_id: str) -> str:
    return f"{tenant_id}#{endpoint_id}"


class DeliveryStore:
    def add(self, delivery: Delivery, retention_days: int) -> bool:
        item = M(
            _key(delivery.tenant_id, delivery.endpoint_id),
            delivery.sort_key,
            tenant_id=delivery.tenant_id,
            endpoint_id=delivery.endpoint_id,
            message_id=delivery.message_id,
            event_type=delivery.event_type,
            created_at=delivery.created_at,
            body=delivery.body,
            state=delivery.state,
            attempts=_attempts_to(delivery.attempts),
            attempt_count=len(delivery.attempts),
            next_attempt_at=delivery.next_attempt_at,
            expires=delivery.created_at + timedelta(days=retention_days),
        )
        with storage_errors():
            try:
                item.save(condition=M.sort_key.does_not_exist())
            except PutError as error:
                if is_condition_failure(error):
                    return False
                raise
        return True

    def get(self, ref: DeliveryRef) -> Delivery | None:
        with storage_errors():
            try:
                key = _key(ref.tenant_id, ref.endpoint_id)
                item = M.get(key, ref.sort_key, consistent_read=True)
            except DoesNotExist:
                return None
        return delivery_from(item)

    def claim(self, delivery: Delivery, token: str, now: datetime, lease_seconds: int) -> bool:
        condition = (
            (M.state == delivery.state)
            & (M.attempt_count == len(delivery.attempts))
            & (M.lease_until.does_not_exist() | (M.lease_until < now))
        )
        if delivery.next_attempt_at is not None:
            condition &= M.next_attempt_at <= now
        lease = now + timedelta(seconds=lease_seconds)
        actions: list[Action] = [M.claim_token.set(token), M.lease_until.set(lease)]
        return self._update(delivery, actions, condition)

    def record(self, delivery: Delivery, after: Delivery, token: str) -> bool:
        actions: list[Action] = [
            M.state.set(after.state),
            M.attempts.set(_attempts_to(after.attempts)),
            M.attempt_count.set(len(after.attempts)),
            M.claim_token.remove(),
            M.lease_until.remove(),
            M.next_attempt_at.remove()
            if after.next_attempt_at is None
            else M.next_attempt_at.set(after.next_attempt_at),
        ]
        condition = (M.claim_token == token) & (M.attempt_count == len(delivery.attempts))
        return self._update(delivery, actions, condition)

    def _update(self, delivery: Delivery, actions: list[Action], condition: Condition) -> bool:
        item = M(_key(delivery.tenant_id, delivery.endpoint_id), delivery.sort_key)
        with storage_errors():
            try:
                item.update(actions=actions, condition=condition)
            except UpdateError as error:
                if is_condition_failure(error):
                    return False
                raise
        return True

    def page(
        self, tenant_id: str, endpoint_id: str, limit: int, after: str | None
    ) -> tuple[list[Delivery], str | None]:
        start = None
        if after is not None:
            key = {"S": _key(tenant_id, endpoint_id)}
            start = {"endpoint_key": key, "sort_key": {"S": after}}
        with storage_errors():
            items = M.query(
                _key(tenant_id, endpoint_id),
                scan_index_forward=False,
                limit=limit,
                last_evaluated_key=start,
                page_size=limit,
            )
            found = [delivery_from(item) for item in items]
            following = items.last_evaluated_key
        return found, None if following is None else following["sort_key"]["S"]


def pending_refs() -> list[DeliveryRef]:
    """Every pending delivery (make dev's worker after a restart: a Scan of a local table)."""
    with storage_errors():
        return [
            DeliveryRef(item.tenant_id, item.endpoint_id, item.sort_key)
            for item in M.scan(M.state == "pending")
        ]
