"""The expiry sweep over moto, with what it sends captured in SQS queues.

EventBridge delivers the events to a queue through a rule, as an operator's rule would
deliver them to an API destination; SNS delivers the digests to a queue subscription, and
to a second one that filters on the tenant attribute.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import boto3
import pytest

from chalicelib.container import Services
from chalicelib.domain.expiry import ExpiryPolicy
from chalicelib.domain.keys import KeyDraft
from chalicelib.domain.records import Actor, ApiKey, KeyStatus, SecretHash
from chalicelib.domain.sweep import SweepService
from chalicelib.expiry_job import build_sweep
from chalicelib.settings import Settings
from chalicelib.storage.keys import KeyStore
from chalicelib.storage.models import KeyModel
from tests.conftest import FakeClock, test_settings
from tests.functional.conftest import Tenant

BUS = "latchkey-expiry"
OWNER = Actor(type="user", id="u-42", name="Ada Owner")


@dataclass
class Outbox:
    """The queues behind the event rule and the digest topic."""

    sqs: Any
    events_queue: str
    digest_queue: str
    globex_digest_queue: str

    def _drain(self, url: str) -> list[dict[str, Any]]:
        bodies = []
        while messages := self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            for message in messages:
                bodies.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return bodies

    def events(self) -> list[dict[str, Any]]:
        """Every event delivered since the last call."""
        return self._drain(self.events_queue)

    def digests(self) -> list[dict[str, Any]]:
        """Every SNS notification (envelope) delivered to the unfiltered subscription."""
        return self._drain(self.digest_queue)

    def globex_digests(self) -> list[dict[str, Any]]:
        return self._drain(self.globex_digest_queue)


def _queue(sqs: Any, name: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return url, arn["QueueArn"]


@pytest.fixture
def sweep_settings(services: Services) -> Settings:
    """The test settings plus a bus and a topic, both created in moto."""
    region = services.settings.region
    boto3.client("events", region_name=region).create_event_bus(Name=BUS)
    topic = boto3.client("sns", region_name=region).create_topic(Name="expiry-digest")
    # Sixteen shards, read one after the other: moto is no concurrent store (its updates
    # are not atomic between threads); parallel runs are tested on DynamoDB Local.
    return test_settings(event_bus=BUS, expiry_topic_arn=topic["TopicArn"], sweep_workers=1)


@pytest.fixture
def outbox(sweep_settings: Settings) -> Outbox:
    region = sweep_settings.region
    sqs = boto3.client("sqs", region_name=region)
    events = boto3.client("events", region_name=region)
    sns = boto3.client("sns", region_name=region)
    events_url, events_arn = _queue(sqs, "expiry-events")
    events.put_rule(
        Name="expiry-warnings",
        EventBusName=BUS,
        EventPattern=json.dumps(
            {"source": ["latchkey"], "detail-type": ["API Key Expiring", "API Key Expired"]}
        ),
    )
    events.put_targets(
        Rule="expiry-warnings", EventBusName=BUS, Targets=[{"Id": "queue", "Arn": events_arn}]
    )
    digest_url, digest_arn = _queue(sqs, "expiry-digests")
    globex_url, globex_arn = _queue(sqs, "globex-digests")
    topic = sweep_settings.expiry_topic_arn
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=digest_arn)
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=globex_arn,
        Attributes={"FilterPolicy": json.dumps({"tenant_id": ["globex"]})},
    )
    return Outbox(sqs, events_url, digest_url, globex_url)


@pytest.fixture
def sweep(sweep_settings: Settings, clock: FakeClock, outbox: Outbox) -> SweepService:
    """The sweep as the scheduled function builds it: EventBridge and SNS (moto's)."""
    return build_sweep(sweep_settings, clock)


@pytest.fixture
def roomy(services: Services, acme: Tenant) -> Tenant:
    """Acme with room for many keys."""
    services.tenants.set_limit(acme.tenant_id, 20_000)
    return acme


def key_expiring(
    services: Services, tenant: Tenant, clock: FakeClock, days: float, name: str = "Billing sync"
) -> ApiKey:
    """A key of ``tenant`` that expires ``days`` from the clock's now."""
    draft = KeyDraft(name, "", tenant.group_id, clock.now + timedelta(days=days), ())
    return services.keys.create(tenant.tenant_id, OWNER, draft).key


def load_keys(
    settings: Settings, tenant: Tenant, clock: FakeClock, count: int, days: float
) -> set[str]:
    """``count`` keys expiring ``days`` from now, written as ``KeyStore.create`` writes them.

    Batch writes, not ``create``'s transaction: moto takes ~70 ms per transaction. The
    tenant's counter does not move, so use these only where slots do not matter.
    """
    expires_at = clock.now + timedelta(days=days)
    # What KeyService.create gives the store: the key's first sweep due time.
    due = ExpiryPolicy(settings.expiry_thresholds_days).first_due(expires_at)
    ids = set()
    with KeyModel.batch_write() as batch:
        for number in range(count):
            key = ApiKey(
                key_id=f"bulk{number:06d}{uuid.uuid4().hex[:8]}",
                tenant_id=tenant.tenant_id,
                name=f"Bulk key {number}",
                description="",
                group_id=tenant.group_id,
                status=KeyStatus.ACTIVE,
                expires_at=expires_at,
                ip_allowlist=(),
                created_by=OWNER,
                created_at=clock.now,
                updated_at=clock.now,
                hint="lk_test_bulk...",
                current_secret=SecretHash("0" * 64, 1),
            )
            batch.save(KeyStore.new_item(key, due))
            ids.add(key.key_id)
    return ids


def sent(outbox: Outbox) -> list[tuple[str, int]]:
    """The (key id, threshold) of every event delivered since the last call."""
    return [(e["detail"]["key_id"], e["detail"]["threshold_days"]) for e in outbox.events()]
