"""The sweep's flags are audited in the same write: expiring, expired, and released ones."""

from __future__ import annotations

from chalicelib.domain.audit_log import AuditQuery
from chalicelib.domain.sweep import SweepService
from chalicelib.wiring.services import Services
from tests.functional.sweep.conftest import key_expiring, sent
from tests.support.api import Tenant
from tests.support.clock import FakeClock
from tests.support.outbox import Outbox


def test_each_flag_writes_one_system_event(
    services: Services, acme: Tenant, clock: FakeClock, sweep: SweepService, outbox: Outbox
) -> None:
    key = key_expiring(services, acme, clock, days=8)
    clock.advance(days=1, hours=1)  # 7 days left: the 7-day threshold
    sweep.run()
    clock.advance(days=8)  # expired
    sweep.run()
    sweep.run()  # nothing new: no event
    assert sent(outbox) == [(key.key_id, 7), (key.key_id, 0)]
    trail, _ = services.audit.list(AuditQuery("acme", key.key_id), 10, None)
    assert [event.action for event in trail] == [
        "key.flagged_expired",
        "key.flagged_expiring",
        "key.created",
    ]
    expired, expiring, _ = trail
    assert expired.origin.actor.type == "system"
    assert expired.changes["counted"] == (True, False)
    # Created 8 days before expiry, the key had crossed 30 already: one warning covers both.
    assert expiring.changes["notified_thresholds"] == (None, [7, 30])
