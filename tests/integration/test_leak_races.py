"""Leaked keys under real concurrency, on DynamoDB Local: one leak, one revocation, counters right.

Two reports of the same key can arrive at once (GitHub retries; someone also reports it
through POST /v1/leaks), and a report can race the owner's rotation. The leak's write is
conditioned on the leak being new and the key being active, in the revoke's own
transaction, so whatever the interleaving exactly one report acts. A report of the previous
secret ends its grace in a write conditioned on that secret still being the previous one,
so a rotation that replaced it first is never undone.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.config.settings import Settings
from chalicelib.domain.audit_log import AuditQuery
from chalicelib.domain.errors import Conflict, KeyRevoked
from chalicelib.domain.keys import Issued
from chalicelib.domain.leaks import Label, Report, Taken
from chalicelib.domain.records import Actor, KeyStatus, LeakPolicy, Origin
from chalicelib.notify.senders import RecordingNotifier
from chalicelib.wiring.services import Services, build_services
from tests.conftest import Counters
from tests.integration.test_races import ADMIN, at_once, draft, new_tenant

REPORTER = Origin(Actor("system", "anonymous", "anonymous"), "192.0.2.1")


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def services(local_settings: Settings, notifier: RecordingNotifier) -> Services:
    return build_services(local_settings, notifier=notifier)


def actions(services: Services, tenant_id: str, key_id: str) -> list[str]:
    events, _ = services.audit.list(AuditQuery(tenant_id, target_id=key_id), 100, None)
    return sorted(event.action for event in events)


def report(services: Services, token: str, source: str) -> Label:
    assert services.leaks is not None
    return services.leaks.report(Report(token, source), REPORTER)


@pytest.mark.parametrize("round_", range(10))
def test_two_reports_of_one_key_at_once_revoke_it_once_with_one_leak_event(
    services: Services, notifier: RecordingNotifier, reliability: Counters, round_: int
) -> None:
    tenant_id, group_id = new_tenant(services, limit=5)
    services.keys.create(tenant_id, ADMIN, draft(group_id, "bystander"))
    issued = services.keys.create(tenant_id, ADMIN, draft(group_id))
    key_id = issued.key.key_id

    labels = at_once(
        lambda: report(services, issued.token, "github:content"),
        lambda: report(services, issued.token, "report"),
    )
    reliability.races += 1

    assert labels == [Label.TRUE_POSITIVE, Label.TRUE_POSITIVE]
    assert actions(services, tenant_id, key_id) == ["key.created", "key.leaked", "key.revoked"]
    assert [notice.key_id for notice in notifier.leaks] == [key_id]
    assert services.keys.get(tenant_id, key_id).status is KeyStatus.REVOKED
    assert services.tenants.get(tenant_id).keys_used == 1  # the bystander's slot only
    assert services.groups.get(tenant_id, group_id).key_count == 1


@pytest.mark.parametrize("round_", range(5))
def test_two_reports_at_once_under_notify_record_one_leak(
    services: Services, notifier: RecordingNotifier, reliability: Counters, round_: int
) -> None:
    tenant_id, group_id = new_tenant(services, limit=5)
    services.tenants.set_leak_policy(tenant_id, LeakPolicy.NOTIFY)
    issued = services.keys.create(tenant_id, ADMIN, draft(group_id))
    key_id = issued.key.key_id

    at_once(*[lambda: report(services, issued.token, "report")] * 3)
    reliability.races += 1

    assert actions(services, tenant_id, key_id) == ["key.created", "key.leaked"]
    assert [(n.key_id, n.action) for n in notifier.leaks] == [(key_id, Taken.NOTIFIED)]
    assert services.keys.get(tenant_id, key_id).status is KeyStatus.ACTIVE
    assert services.tenants.get(tenant_id).keys_used == 1


@pytest.mark.parametrize("round_", range(10))
def test_a_report_racing_a_rotation_leaves_one_revocation_and_right_counters(
    services: Services, notifier: RecordingNotifier, reliability: Counters, round_: int
) -> None:
    tenant_id, group_id = new_tenant(services, limit=5)
    issued = services.keys.create(tenant_id, ADMIN, draft(group_id))
    key_id = issued.key.key_id

    rotated, label = at_once(
        lambda: services.keys.rotate(tenant_id, key_id, timedelta(hours=1), None),
        lambda: report(services, issued.token, "github:commit"),
    )
    reliability.races += 1

    # Either way the reported secret matched: read before the rotation, it was the current
    # secret (the key is revoked); read after it, the previous one inside its grace (the
    # grace ends, the key and its new secret live on).
    assert label is Label.TRUE_POSITIVE
    assert isinstance(rotated, Issued | KeyRevoked | Conflict), rotated
    (notice,) = notifier.leaks
    assert not services.verifier.verify(issued.token, None).valid
    expected = ["key.created", "key.leaked"]
    if isinstance(rotated, Issued):
        expected.append("key.rotated")
    if notice.action is Taken.REVOKED:
        expected.append("key.revoked")
        assert services.tenants.get(tenant_id).keys_used == 0
        assert services.groups.get(tenant_id, group_id).key_count == 0
        if isinstance(rotated, Issued):
            assert not services.verifier.verify(rotated.token, None).valid
    else:
        assert notice.action is Taken.PREVIOUS_SECRET_ENDED
        assert isinstance(rotated, Issued)
        assert services.verifier.verify(rotated.token, None).valid
        assert services.tenants.get(tenant_id).keys_used == 1
    assert actions(services, tenant_id, key_id) == sorted(expected)


@pytest.mark.parametrize("round_", range(10))
def test_a_previous_secret_report_racing_a_rotation_never_leaves_that_secret_working(
    services: Services, notifier: RecordingNotifier, reliability: Counters, round_: int
) -> None:
    tenant_id, group_id = new_tenant(services, limit=5)
    first = services.keys.create(tenant_id, ADMIN, draft(group_id))
    key_id = first.key.key_id
    second = services.keys.rotate(tenant_id, key_id, timedelta(hours=1), None)

    rotated, label = at_once(
        lambda: services.keys.rotate(tenant_id, key_id, timedelta(hours=1), None),
        lambda: report(services, first.token, "report"),
    )
    reliability.races += 1

    # The grace was ended by the report, or the rotation replaced the previous secret
    # first (read after it, the report matches nothing: a false positive; read before it,
    # its conditional write finds another previous secret and writes nothing): either way
    # the reported secret is dead, the key active, the newest secret works.
    assert isinstance(rotated, Issued), rotated
    assert not services.verifier.verify(first.token, None).valid
    assert services.verifier.verify(rotated.token, None).valid
    key = services.keys.get(tenant_id, key_id)
    assert key.status is KeyStatus.ACTIVE
    recorded = "key.leaked" in actions(services, tenant_id, key_id)
    assert [notice.action for notice in notifier.leaks] == (
        [Taken.PREVIOUS_SECRET_ENDED] if recorded else []
    )
    assert (key.leak is not None) is recorded
    assert label is Label.TRUE_POSITIVE or not recorded
    assert services.tenants.get(tenant_id).keys_used == 1
    assert services.groups.get(tenant_id, group_id).key_count == 1
    # The secret the racing rotation moved into its grace was not reported: whichever write
    # came first, it keeps working for its hour (an unconditioned end would have cut it).
    assert services.verifier.verify(second.token, None).valid
