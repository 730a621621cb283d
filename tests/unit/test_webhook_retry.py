"""The retry schedule: exponential backoff with jitter, for 24 hours, then give up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.webhook_retry import RetrySchedule

START = datetime(2026, 12, 1, tzinfo=UTC)
SCHEDULE = RetrySchedule()


def test_pauses_grow_exponentially_without_jitter() -> None:
    middle = [SCHEDULE.pause(n, lambda: 0.5).total_seconds() for n in range(1, 10)]
    assert middle == [10, 30, 90, 270, 810, 2430, 7290, 21600, 21600]


@given(st.integers(min_value=1, max_value=40), st.floats(min_value=0, max_value=1))
def test_jitter_stays_within_twenty_percent(attempts: int, draw: float) -> None:
    base = SCHEDULE.pause(attempts, lambda: 0.5)
    jittered = SCHEDULE.pause(attempts, lambda: draw)
    assert (
        base * 0.8 - timedelta(microseconds=1) <= jittered <= base * 1.2 + timedelta(microseconds=1)
    )


def test_every_failure_is_retried_until_the_window_ends_then_given_up() -> None:
    now, attempts, times = START, 1, [START]
    while (retry := SCHEDULE.next_attempt(attempts, START, now, lambda: 1.0)) is not None:
        assert retry > now
        now, attempts = retry, attempts + 1
        times.append(now)
    assert times[-1] == START + timedelta(hours=24)  # the last attempt is at the window's end
    assert 10 <= len(times) <= 13
    assert SCHEDULE.next_attempt(attempts, START, times[-1]) is None


@given(st.lists(st.floats(min_value=0, max_value=1), min_size=30, max_size=30))
def test_no_attempt_is_ever_scheduled_past_the_window(draws: list[float]) -> None:
    now, attempts = START, 1
    for draw in draws:
        retry = SCHEDULE.next_attempt(attempts, START, now, lambda d=draw: d)  # type: ignore[misc]
        if retry is None:
            break
        assert now < retry <= START + SCHEDULE.window
        now, attempts = retry, attempts + 1
    else:
        raise AssertionError("the schedule never gave up")


def test_the_window_is_a_setting() -> None:
    short = RetrySchedule(window=timedelta(hours=1))
    assert short.next_attempt(1, START, START + timedelta(hours=1)) is None
