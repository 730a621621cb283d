"""The expiry sweep over moto, with what it sends captured in SQS queues (tests/support/
outbox.py): its events behind a rule on its bus, its digests behind its topic.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import boto3
import pytest

from chalicelib.config.settings import Settings
from chalicelib.config.sweep import SweepSettings
from chalicelib.domain.expiry import ExpiryPolicy
from chalicelib.domain.keys import KeyDraft
from chalicelib.domain.records import Actor, ApiKey
from chalicelib.domain.sweep import SweepService
from chalicelib.storage.key_model import KeyModel
from chalicelib.storage.keys import KeyStore
from chalicelib.wiring.expiry_sweep import build_sweep
from chalicelib.wiring.services import Services
from tests.support.api import Tenant
from tests.support.clock import FakeClock
from tests.support.outbox import Outbox, wire_outbox
from tests.support.records import make_key
from tests.support.settings import settings_for_tests

BUS = "latchkey-expiry"
OWNER = Actor(type="user", id="u-42", name="Ada Owner")


@pytest.fixture
def sweep_settings(services: Services) -> Settings:
    """The test settings plus a bus and a topic, both created in moto."""
    region = services.settings.region
    boto3.client("events", region_name=region).create_event_bus(Name=BUS)
    topic = boto3.client("sns", region_name=region).create_topic(Name="expiry-digest")
    # Sixteen shards, read one after the other: moto is no concurrent store (its updates
    # are not atomic between threads); parallel runs are tested on DynamoDB Local.
    return settings_for_tests(
        event_bus=BUS, sweep=SweepSettings(topic_arn=topic["TopicArn"], workers=1)
    )


@pytest.fixture
def outbox(sweep_settings: Settings) -> Outbox:
    topic = sweep_settings.sweep.topic_arn
    assert topic is not None
    expiry = ["API Key Expiring", "API Key Expired"]
    return wire_outbox(sweep_settings.region, BUS, topic, expiry, "expiry")


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
    due = ExpiryPolicy(settings.sweep.expiry_thresholds_days).first_due(expires_at)
    ids = set()
    with KeyModel.batch_write() as batch:
        for number in range(count):
            key = make_key(
                key_id=f"bulk{number:06d}{uuid.uuid4().hex[:8]}",
                tenant_id=tenant.tenant_id,
                name=f"Bulk key {number}",
                group_id=tenant.group_id,
                expires_at=expires_at,
                created_by=OWNER,
                created_at=clock.now,
                updated_at=clock.now,
                hint="lk_test_bulk...",
            )
            batch.save(KeyStore.new_item(key, due))
            ids.add(key.key_id)
    return ids


def sent(outbox: Outbox) -> list[tuple[str, int]]:
    """The (key id, threshold) of every event delivered since the last call."""
    return [(e["detail"]["key_id"], e["detail"]["threshold_days"]) for e in outbox.events()]
