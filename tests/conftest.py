"""Fixtures every test level shares: an injectable clock and test settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.settings import Settings

START = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


class FakeClock:
    """A clock the test moves by hand: no sleeps anywhere in the suite."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials, so nothing can reach a real AWS account."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)


def test_settings(**overrides: object) -> Settings:
    base = Settings(
        stage="test",
        key_prefix="lk_test",
        local_peppers={1: b"test-pepper-one"},
    )
    return Settings(**{**base.__dict__, **overrides})


class Counters:
    """What the reliability suite did this session, printed after the run (issue 7)."""

    def __init__(self) -> None:
        self.races = 0
        self.faults = 0
        self.hostile = 0
        self.five_xx = 0
        self.secret_hits = 0
        # Issue 11: counters recomputed from the keys and compared (tests that race them).
        self.counter_checks = 0

    def summary(self) -> str:
        return (
            f"Reliability: races run {self.races} | faults injected {self.faults}"
            f" | hostile inputs tried {self.hostile} | 5xx answers seen {self.five_xx}"
            f" | secrets found {self.secret_hits}"
            f" | counter checks run {self.counter_checks}"
        )


# One per process: `make test` runs one process. Under pytest-xdist each worker would count
# its own share and the controller, which prints, would show zeros.
RELIABILITY = Counters()


@pytest.fixture
def reliability() -> Counters:
    """The session's counters: reliability tests add what they ran, injected and found."""
    return RELIABILITY


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the reliability table at the end of every run."""
    terminalreporter.write_sep("-", "reliability")
    terminalreporter.write_line(RELIABILITY.summary())
