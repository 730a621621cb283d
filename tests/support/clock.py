"""Clocks a test moves by hand: no sleeps anywhere in the suite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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


class FakeMonotonic:
    """A monotonic clock (seconds) the test moves by hand, for caches that age by one."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
