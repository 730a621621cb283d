"""The authorizer's plain-botocore reader sees exactly what PynamoDB wrote and reads."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain.keys import KeyDraft
from chalicelib.domain.leaks import Report
from chalicelib.domain.records import Actor, LeakPolicy, Origin
from chalicelib.storage.hotpath import HotStore
from chalicelib.wiring.services import Services
from tests.support.api import Tenant
from tests.support.clock import FakeClock

OWNER = Actor(type="user", id="u-1", name="Ada")
REPORTER = Origin(Actor("system", "anonymous", "anonymous"), "192.0.2.1")


def test_a_key_in_every_state_reads_the_same_through_both_readers(
    services: Services, acme: Tenant, clock: FakeClock
) -> None:
    hot = HotStore(services.settings)
    draft = KeyDraft(
        "Full",
        "every field",
        acme.group_id,
        clock.now + timedelta(days=30),
        ("10.0.0.0/8", "2001:db8::/32"),
    )
    key_id = services.keys.create("acme", OWNER, draft).key.key_id
    services.keys.rotate("acme", key_id, timedelta(hours=1), clock.now + timedelta(days=60))
    rotated = services.keys.get("acme", key_id)
    assert rotated.previous_secret is not None
    assert hot.get_key(key_id) == rotated
    services.keys.revoke("acme", key_id, OWNER)
    assert hot.get_key(key_id) == services.keys.get("acme", key_id)
    assert hot.get_key("Zz" * 8) is None


@pytest.mark.parametrize("policy", list(LeakPolicy))
def test_a_leaked_key_reads_the_same_through_both_readers(
    services: Services, acme: Tenant, clock: FakeClock, policy: LeakPolicy
) -> None:
    hot = HotStore(services.settings)
    services.tenants.set_leak_policy("acme", policy)
    issued = services.keys.create("acme", OWNER, KeyDraft("Leaky", "", acme.group_id, None, ()))
    assert services.leaks is not None
    services.leaks.report(
        Report(issued.token, "github", "https://github.com/acme/app/blob/main/.env"), REPORTER
    )
    leaked = services.keys.get("acme", issued.key.key_id)
    assert leaked.leak is not None
    assert leaked.leak.url == "https://github.com"  # a reported URL keeps its scheme and host
    assert leaked.leaked_secrets
    assert hot.get_key(issued.key.key_id) == leaked


def test_a_group_reads_the_same_through_both_readers(services: Services, acme: Tenant) -> None:
    hot = HotStore(services.settings)
    assert hot.get_group("acme", acme.group_id) == services.groups.get("acme", acme.group_id)
    assert hot.get_group("globex", acme.group_id) is None
