"""``latchkey sweep``: the same sweep, at a chosen time, printed for a person or as JSON."""

from __future__ import annotations

import json

import pytest

from chalicelib.cli.main import parser, run
from chalicelib.config.settings import Settings
from chalicelib.wiring.services import Services
from tests.functional.sweep.conftest import key_expiring, sent
from tests.support.api import Tenant
from tests.support.clock import FakeClock
from tests.support.outbox import Outbox


def sweep_cli(settings: Settings, *args: str) -> int:
    return run(parser().parse_args(["sweep", *args]), settings)


def test_dry_run_at_a_time_prints_what_would_be_sent_and_sends_nothing(
    services: Services,
    acme: Tenant,
    clock: FakeClock,
    sweep_settings: Settings,
    outbox: Outbox,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key = key_expiring(services, acme, clock, days=40, name="Payroll")

    assert sweep_cli(sweep_settings, "--at", "2026-12-25T12:00:00Z", "--dry-run", "--json") == 0

    printed = json.loads(capsys.readouterr().out)
    assert printed["now"] == "2026-12-25T12:00:00Z"
    assert (printed["dry_run"], printed["examined"], printed["crossed"]) == (True, 1, 1)
    (notice,) = printed["notices"]
    assert (notice["key_id"], notice["threshold_days"], notice["days_left"]) == (
        key.key_id,
        30,
        9,
    )
    assert outbox.events() == []


def test_a_real_run_prints_what_it_sent(
    services: Services,
    acme: Tenant,
    clock: FakeClock,
    sweep_settings: Settings,
    outbox: Outbox,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key = key_expiring(services, acme, clock, days=40, name="Payroll")

    assert sweep_cli(sweep_settings, "--at", "2027-01-03T12:00:00+00:00") == 0

    out = capsys.readouterr().out
    assert "examined 1, sent 1" in out
    assert f"API Key Expired: acme/{key.key_id} 'Payroll'" in out
    assert sent(outbox) == [(key.key_id, 0)]


def test_a_time_without_a_zone_is_refused(sweep_settings: Settings) -> None:
    with pytest.raises(SystemExit):
        parser().parse_args(["sweep", "--at", "2026-12-25T12:00:00"])
