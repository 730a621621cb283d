"""Each threshold is warned about once per key, with events and digests that say so."""

from __future__ import annotations

import json
from datetime import timedelta

from chalicelib.domain.keys import KeyDraft
from chalicelib.domain.sweep import SweepService
from chalicelib.wiring.services import Services
from tests.functional.sweep.conftest import OWNER, key_expiring, sent
from tests.support.api import Tenant
from tests.support.clock import FakeClock
from tests.support.outbox import Outbox


def test_each_threshold_is_warned_once(
    services: Services, roomy: Tenant, clock: FakeClock, sweep: SweepService, outbox: Outbox
) -> None:
    key = key_expiring(services, roomy, clock, days=40)
    expires_at = clock.now + timedelta(days=40)
    warned = []
    for days_before in (30, 7, 1, 0):
        clock.now = expires_at - timedelta(days=days_before)
        sweep.run()
        sweep.run()  # a second run at the same instant finds nothing new
        clock.advance(hours=1)
        sweep.run()
        warned += sent(outbox)

    assert warned == [(key.key_id, 30), (key.key_id, 7), (key.key_id, 1), (key.key_id, 0)]
    clock.advance(days=400)
    assert sweep.run().examined == 0
    assert outbox.events() == []


def test_nothing_is_sent_before_the_first_threshold(
    services: Services, roomy: Tenant, clock: FakeClock, sweep: SweepService, outbox: Outbox
) -> None:
    key_expiring(services, roomy, clock, days=30.5)

    report = sweep.run()

    assert (report.examined, report.crossed) == (0, 0)
    assert outbox.events() == []
    assert outbox.digests() == []


def test_event_carries_what_an_owner_needs(
    services: Services, roomy: Tenant, clock: FakeClock, sweep: SweepService, outbox: Outbox
) -> None:
    key = key_expiring(services, roomy, clock, days=7, name="Nightly export")

    sweep.run()

    (event,) = outbox.events()
    assert event["source"] == "latchkey"
    assert event["detail-type"] == "API Key Expiring"
    assert event["detail"] == {
        "tenant_id": "acme",
        "key_id": key.key_id,
        "key_name": "Nightly export",
        "group_id": roomy.group_id,
        "expires_at": "2026-12-01T12:00:00Z",
        "days_left": 7,
        "threshold_days": 7,
        "created_by": {"type": "user", "id": "u-42", "name": "Ada Owner"},
    }


def test_expired_event_says_expired_with_no_days_left(
    services: Services, roomy: Tenant, clock: FakeClock, sweep: SweepService, outbox: Outbox
) -> None:
    key = key_expiring(services, roomy, clock, days=0.5)
    sweep.run()
    outbox.events()
    clock.advance(days=3)  # the sweep ran late

    sweep.run()

    (event,) = outbox.events()
    assert event["detail-type"] == "API Key Expired"
    assert event["detail"]["key_id"] == key.key_id
    assert (event["detail"]["days_left"], event["detail"]["threshold_days"]) == (0, 0)


def test_key_created_inside_the_window_gets_one_warning_for_the_nearest_threshold(
    services: Services, roomy: Tenant, clock: FakeClock, sweep: SweepService, outbox: Outbox
) -> None:
    key = key_expiring(services, roomy, clock, days=5)

    sweep.run()
    first = outbox.events()
    clock.advance(days=4)
    sweep.run()

    assert [(e["detail"]["threshold_days"], e["detail"]["days_left"]) for e in first] == [(7, 5)]
    assert sent(outbox) == [(key.key_id, 1)]


def test_digest_is_one_message_per_tenant_with_a_tenant_attribute(
    services: Services,
    roomy: Tenant,
    globex: Tenant,
    clock: FakeClock,
    sweep: SweepService,
    outbox: Outbox,
) -> None:
    key_expiring(services, roomy, clock, days=6, name="Orders reader")
    key_expiring(services, roomy, clock, days=0.5, name="Invoices writer")
    key_expiring(services, globex, clock, days=20, name="Globex sync")

    sweep.run()

    digests = {d["MessageAttributes"]["tenant_id"]["Value"]: d for d in outbox.digests()}
    assert sorted(digests) == ["acme", "globex"]
    acme_text = digests["acme"]["Message"]
    assert digests["acme"]["Subject"] == "Latchkey: 2 API keys of acme expiring or expired"
    assert acme_text.index("Invoices writer") < acme_text.index("Orders reader")
    assert "in 1 day;" in acme_text
    assert "in 6 days;" in acme_text
    assert "created by Ada Owner" in acme_text
    assert "Globex sync" in digests["globex"]["Message"]
    assert "Orders reader" not in digests["globex"]["Message"]
    filtered = outbox.globex_digests()
    assert [d["MessageAttributes"]["tenant_id"]["Value"] for d in filtered] == ["globex"]
    assert json.loads(json.dumps(filtered))  # plain JSON, as a subscriber sees it


def test_keys_without_expiry_revoked_or_outside_the_window_produce_nothing(
    services: Services, roomy: Tenant, clock: FakeClock, sweep: SweepService, outbox: Outbox
) -> None:
    services.keys.create("acme", OWNER, KeyDraft("No expiry", "", roomy.group_id, None, ()))
    key_expiring(services, roomy, clock, days=31, name="Far away")
    revoked = key_expiring(services, roomy, clock, days=3, name="Revoked")
    services.keys.revoke("acme", revoked.key_id, OWNER)

    report = sweep.run()
    clock.advance(days=0.9)
    again = sweep.run()

    assert (report.examined, report.crossed, again.examined, again.crossed) == (0, 0, 0, 0)
    assert outbox.events() == []
    assert outbox.digests() == []


def test_a_new_expiry_from_rotation_starts_the_warnings_over(
    services: Services, roomy: Tenant, clock: FakeClock, sweep: SweepService, outbox: Outbox
) -> None:
    key = key_expiring(services, roomy, clock, days=6)
    sweep.run()
    assert sent(outbox) == [(key.key_id, 7)]
    new_expiry = clock.now + timedelta(days=45)
    services.keys.rotate("acme", key.key_id, timedelta(0), new_expiry)

    sweep.run()
    nothing_yet = sent(outbox)
    clock.advance(days=15)
    sweep.run()

    assert nothing_yet == []
    assert sent(outbox) == [(key.key_id, 30)]
