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
