"""What a scheduled sweep run logs and measures (Powertools): one JSON line and one EMF set
per run, a failed run recorded and raised again (Lambda retries it, then sends it to the
on-failure queue), and a refused digest counted as a publish failure."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from chalicelib.config.settings import Settings
from chalicelib.domain.sweep import SweepService
from chalicelib.domain.warnings import Digest, Notice
from chalicelib.wiring.expiry_sweep import build_sweep, run_sweep, set_sweep
from chalicelib.wiring.services import Services
from tests.functional.sweep.conftest import key_expiring
from tests.support.api import Tenant
from tests.support.clock import FakeClock
from tests.support.outbox import Outbox


class Context:
    """The Lambda context the scheduled function receives."""

    aws_request_id = "sweep-invocation-1"

    def get_remaining_time_in_millis(self) -> float:
        return 300_000


class Refusing:
    """EventBridge down: every PutEvents raises; SNS refuses every digest."""

    def send(self, notices: Sequence[Notice]) -> list[Notice]:
        raise RuntimeError("EventBridge is down")

    def digest(self, digest: Digest) -> None:
        raise RuntimeError("SNS is down")


class DigestRefused:
    """Events go out; the digest does not."""

    def send(self, notices: Sequence[Notice]) -> list[Notice]:
        return []

    def digest(self, digest: Digest) -> None:
        raise RuntimeError("SNS is down")


@pytest.fixture
def installed() -> Iterator[None]:
    yield
    set_sweep(None)


def printed(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    out = capsys.readouterr().out
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def emf(lines: list[dict[str, Any]]) -> dict[str, Any]:
    (line,) = [line for line in lines if "_aws" in line]
    return line


def test_a_run_writes_one_log_line_and_its_metrics(
    services: Services,
    acme: Tenant,
    clock: FakeClock,
    sweep: SweepService,
    outbox: Outbox,
    installed: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key_expiring(services, acme, clock, days=3)
    set_sweep(sweep)
    capsys.readouterr()

    run_sweep(Context())

    lines = printed(capsys)
    (log,) = [line for line in lines if line.get("message") == "sweep run"]
    metrics = emf(lines)
    assert (log["level"], log["service"], log["function"]) == ("INFO", "latchkey-sweep", "sweep")
    assert (log["request_id"], log["outcome"], log["finished"]) == (
        "sweep-invocation-1",
        "finished",
        True,
    )
    assert (log["examined"], log["sent"], log["released"]) == (1, 1, 0)
    assert metrics["SweepWarningsSent"] == [1.0]
    assert metrics["SweepKeysExamined"] == [1.0]
    assert metrics["SweepFinished"] == [1.0]
    assert metrics["SweepFailed"] == [0.0]
    assert metrics["SweepDuration"][0] > 0
    assert metrics["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service"]]


def test_a_failed_run_is_recorded_and_raised_for_lambdas_retry_and_queue(
    services: Services,
    acme: Tenant,
    clock: FakeClock,
    sweep_settings: Settings,
    installed: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key_expiring(services, acme, clock, days=3)
    set_sweep(build_sweep(sweep_settings, clock, Refusing()))
    capsys.readouterr()

    with pytest.raises(RuntimeError, match="EventBridge is down"):
        run_sweep(Context())

    lines = printed(capsys)
    (log,) = [line for line in lines if line.get("message") == "sweep run failed"]
    metrics = emf(lines)
    assert (log["level"], log["outcome"], log["error"]) == ("ERROR", "failed", "RuntimeError")
    assert "EventBridge is down" not in json.dumps(log), "the type only, never the message"
    assert (metrics["SweepFailed"], metrics["SweepFinished"]) == ([1.0], [0.0])


def test_a_refused_digest_is_counted_as_a_publish_failure(
    services: Services,
    acme: Tenant,
    clock: FakeClock,
    sweep_settings: Settings,
    installed: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key_expiring(services, acme, clock, days=3)
    set_sweep(build_sweep(sweep_settings, clock, DigestRefused()))
    capsys.readouterr()

    run_sweep(Context())

    lines = printed(capsys)
    (log,) = [line for line in lines if line.get("message") == "sweep run"]
    assert (log["level"], log["digests_failed"]) == ("WARNING", 1)
    assert emf(lines)["SweepDigestsFailed"] == [1.0]
