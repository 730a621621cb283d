"""What the sweep flags agrees with the API: expiry state, list filters, the tenant's slots."""

from __future__ import annotations

from typing import Any

import pytest
from chalice.test import Client

from app import app
from chalicelib.config.settings import Settings
from chalicelib.domain.edits import KeyEdit
from chalicelib.domain.errors import KeyLimitReached
from chalicelib.domain.keys import KeyDraft
from chalicelib.domain.sweep import SweepService
from chalicelib.wiring.expiry_sweep import build_sweep, set_sweep
from chalicelib.wiring.services import Services
from tests.functional.conftest import json_of
from tests.functional.sweep.conftest import OWNER, key_expiring, sent
from tests.support.api import Api, Tenant
from tests.support.clock import FakeClock
from tests.support.outbox import Outbox


def listed(api: Api, expiry: str) -> set[str]:
    response = api.call("GET", f"/v1/keys?expiry={expiry}&limit=100")
    assert response.status_code == 200, response.body
    return {key["id"] for key in json_of(response)["keys"]}


def test_an_expired_key_frees_its_slot_once(
    services: Services, acme: Tenant, clock: FakeClock, sweep: SweepService, outbox: Outbox
) -> None:
    services.tenants.set_limit("acme", 2)  # the admin key and one more
    key = key_expiring(services, acme, clock, days=0.5)
    with pytest.raises(KeyLimitReached):
        key_expiring(services, acme, clock, days=90)
    clock.advance(days=1)

    sweep.run()
    freed = services.tenants.get("acme").keys_used
    replacement = key_expiring(services, acme, clock, days=90, name="Replacement")
    services.keys.revoke("acme", key.key_id, OWNER)  # revoking it later frees nothing more

    assert sent(outbox) == [(key.key_id, 0)]  # one warning: the nearest threshold
    assert freed == 1
    assert services.tenants.get("acme").keys_used == 2
    assert services.keys.get("acme", replacement.key_id).status.value == "active"


def test_the_list_filters_agree_with_the_sweep(
    services: Services,
    acme: Tenant,
    api: Api,
    clock: FakeClock,
    sweep: SweepService,
    outbox: Outbox,
) -> None:
    days = {"expired": 0.25, "hours": 0.75, "days": 3, "weeks": 20, "months": 45}
    keys = {name: key_expiring(services, acme, clock, d, name).key_id for name, d in days.items()}
    clock.advance(hours=12)

    report = sweep.run()
    soon = services.settings.keys.expiring_soon_days
    expired = {n.key_id for n in report.notices if n.threshold == 0}
    expiring = {n.key_id for n in report.notices if 0 < n.threshold <= soon}

    assert expired == listed(api, "expired") == {keys["expired"]}
    assert expiring == listed(api, "expiring_soon") == {keys["hours"], keys["days"]}
    assert keys["weeks"] in {n.key_id for n in report.notices}  # its 30-day warning
    assert keys["months"] in listed(api, "valid")
    got = json_of(api.call("GET", f"/v1/keys/{keys['expired']}"))
    assert got["expiry_state"] == "expired"
    assert len(sent(outbox)) == 4


class LambdaContext:
    """What the Lambda runtime hands a function: here, how much of its time is left."""

    def __init__(self, remaining_ms: int) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def scheduled_event(client: Client) -> dict[str, Any]:
    event: dict[str, Any] = client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
    )
    return event


def test_the_scheduled_function_runs_the_sweep_in_its_lambdas_time(
    services: Services,
    acme: Tenant,
    clock: FakeClock,
    sweep_settings: Settings,
    outbox: Outbox,
) -> None:
    key = key_expiring(services, acme, clock, days=1)
    set_sweep(build_sweep(sweep_settings, clock))
    try:
        with Client(app) as client:
            # The entry point as Lambda calls it: the event and a context with 5 minutes left
            # (the sweep's timeout in infra/template.yaml).
            handler = app.handler_map["expiry_sweep"]
            answer = handler(scheduled_event(client), LambdaContext(300_000))
    finally:
        set_sweep(None)

    assert answer["crossed"] == 1
    assert answer["stopped_early"] is False
    assert sent(outbox) == [(key.key_id, 1)]


def test_the_scheduled_function_stops_when_its_lambda_is_out_of_time(
    services: Services,
    acme: Tenant,
    clock: FakeClock,
    sweep_settings: Settings,
    outbox: Outbox,
) -> None:
    key_expiring(services, acme, clock, days=1)
    set_sweep(build_sweep(sweep_settings, clock))
    try:
        with Client(app) as client:
            # chalice's own test invoke gives every function a 3-second context: under the
            # sweep's 10-second margin, so the run must stop before its first key. (This
            # context reaches the sweep only through the event: Chalice sets
            # app.lambda_context for REST calls alone.)
            answer = client.lambda_.invoke("expiry_sweep", scheduled_event(client)).payload
    finally:
        set_sweep(None)

    assert answer["stopped_early"] is True
    assert answer["crossed"] == 0
    assert sent(outbox) == []


def test_the_schedule_is_hourly_by_default() -> None:
    assert Settings().sweep.schedule == "rate(1 hour)"
    assert Settings.from_env({"LATCHKEY_SWEEP_SCHEDULE": "rate(15 minutes)"}).sweep.schedule == (
        "rate(15 minutes)"
    )


def test_no_expiry_key_stays_out_of_the_sweep_after_an_edit(
    services: Services, acme: Tenant, clock: FakeClock, sweep: SweepService
) -> None:
    issued = services.keys.create("acme", OWNER, KeyDraft("Plain", "", acme.group_id, None, ()))
    services.keys.update("acme", issued.key.key_id, KeyEdit(name="Renamed"))
    clock.advance(days=10_000)

    assert sweep.run().examined == 0
    assert services.keys.get("acme", issued.key.key_id).expires_at is None


def test_dry_run_records_and_sends_nothing(
    services: Services, acme: Tenant, clock: FakeClock, sweep: SweepService, outbox: Outbox
) -> None:
    key = key_expiring(services, acme, clock, days=2)

    dry = sweep.run(dry_run=True)
    dry_events, dry_digests = outbox.events(), outbox.digests()
    real = sweep.run()

    assert [(n.key_id, n.threshold) for n in dry.notices] == [(key.key_id, 7)]
    assert (dry_events, dry_digests) == ([], [])
    assert [(n.key_id, n.threshold) for n in real.notices] == [(key.key_id, 7)]
    assert sent(outbox) == [(key.key_id, 7)]
