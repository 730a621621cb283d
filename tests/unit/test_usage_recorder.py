"""The authorizer's usage bookkeeping: O(1) per decision, bounded memory, no count lost.

An in-memory sink records every write; the recorder's ``held`` reports what it keeps
(pending day slots, "last written" marks), so memory is counted, not guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import pytest

from chalicelib.domain.usage import UsageRecorder
from tests.support.clock import FakeClock
from tests.support.records import make_key

INTERVAL = timedelta(seconds=60)


@dataclass(frozen=True)
class Write:
    tenant_id: str
    key_id: str
    day: str
    allowed: int
    denied: int
    issued: int


class Sink:
    """Records each ``add_usage``; fails the writes named in ``failing`` (key ids)."""

    def __init__(self) -> None:
        self.writes: list[Write] = []
        self.failing: set[str] = set()

    def add_usage(
        self,
        tenant_id: str,
        key_id: str,
        day: str,
        allowed: int,
        denied: int,
        last_used: datetime | None,
        issued: int = 0,
    ) -> None:
        if key_id in self.failing:
            raise RuntimeError("throttled")
        self.writes.append(Write(tenant_id, key_id, day, allowed, denied, issued))

    def total(self, key_id: str | None = None) -> int:
        return sum(w.allowed + w.denied for w in self.writes if key_id in (None, w.key_id))


def decide(recorder: UsageRecorder, key_id: str, allowed: bool = True) -> None:
    key = replace(make_key(), key_id=key_id)
    recorder.record(key, allowed)
    recorder.flush_due(key_id)


@pytest.fixture
def sink() -> Sink:
    return Sink()


@pytest.fixture
def recorder(sink: Sink, clock: FakeClock) -> UsageRecorder:
    return UsageRecorder(sink, clock, INTERVAL)


def test_memory_stays_bounded_after_many_distinct_keys_over_many_days(
    recorder: UsageRecorder, sink: Sink, clock: FakeClock
) -> None:
    decisions = 0
    for day in range(30):
        for n in range(500):  # 500 keys a day, each seen twice, a second apart
            for _ in range(2):
                decide(recorder, f"key-{day}-{n}")
                decisions += 1
                clock.advance(seconds=0.5)
        clock.advance(hours=23)
    # Only the last interval's keys may still be held, not 15,000 keys' worth.
    pending, marks = recorder.held
    assert marks <= 150, "marks older than the interval are freed"
    assert pending <= 150, "written slots are freed"
    recorder.flush_all()
    assert sink.total() == decisions, "no count lost"


def test_a_quiet_keys_pending_counts_are_written_by_later_decisions_of_other_keys(
    recorder: UsageRecorder, sink: Sink, clock: FakeClock
) -> None:
    decide(recorder, "quiet")  # due at once: written
    clock.advance(seconds=10)
    decide(recorder, "quiet")  # held: written 10 s ago
    assert sink.total("quiet") == 1
    assert recorder.held[0] == 1
    clock.advance(seconds=60)
    decide(recorder, "busy")  # "quiet" waited past the interval: written now
    assert sink.total("quiet") == 2
    clock.advance(seconds=61)
    decide(recorder, "busy")
    assert recorder.held == (0, 1), "only busy's fresh mark is left"


def test_each_decision_writes_at_most_its_own_key_and_one_other(
    recorder: UsageRecorder, sink: Sink, clock: FakeClock
) -> None:
    for n in range(100):
        decide(recorder, f"key-{n}")
        decide(recorder, f"key-{n}")  # held: written once already
    clock.advance(seconds=61)
    before = len(sink.writes)
    decide(recorder, "new")
    assert len(sink.writes) - before == 2, "its own first write and one overdue key"
    for _ in range(120):
        decide(recorder, "new")
        clock.advance(seconds=0.1)
    recorder.flush_all()
    assert sink.total() == 100 * 2 + 121, "every overdue key was written, none twice"


def test_a_flush_interval_still_holds_a_busy_keys_counts_back(
    recorder: UsageRecorder, sink: Sink, clock: FakeClock
) -> None:
    for _ in range(100):
        decide(recorder, "busy")
        clock.advance(seconds=0.5)
    assert len(sink.writes) == 1, "one write a minute, not one per decision"
    clock.advance(seconds=10)
    decide(recorder, "busy")
    assert sink.total("busy") == 101


def test_days_are_written_to_their_own_items(
    recorder: UsageRecorder, sink: Sink, clock: FakeClock
) -> None:
    clock.now = clock.now.replace(hour=23, minute=59, second=30)
    decide(recorder, "k")
    clock.advance(seconds=20)
    decide(recorder, "k", allowed=False)  # held, yesterday
    clock.advance(seconds=20)
    decide(recorder, "k")  # a new day, still inside the interval: held
    clock.advance(seconds=60)
    decide(recorder, "k")
    days = [(w.day, w.allowed, w.denied) for w in sink.writes]
    today = clock.now.date().isoformat()
    yesterday = (clock.now - timedelta(days=1)).date().isoformat()
    assert days == [(yesterday, 1, 0), (yesterday, 0, 1), (today, 2, 0)]


def test_a_failed_write_frees_the_slot_but_keeps_later_days_for_the_next_flush(
    recorder: UsageRecorder, sink: Sink, clock: FakeClock
) -> None:
    clock.now = clock.now.replace(hour=23, minute=59, second=50)
    decide(recorder, "k")
    clock.advance(seconds=5)
    decide(recorder, "k")  # yesterday, held
    clock.advance(seconds=10)
    decide(recorder, "k")  # today, held
    sink.failing.add("k")
    clock.advance(seconds=60)
    with pytest.raises(RuntimeError):
        recorder.flush_due("k")
    assert recorder.held[0] == 1, "today's counts wait; the failed day's are dropped"
    sink.failing.clear()
    clock.advance(seconds=60)
    recorder.flush_due("k")
    assert recorder.held[0] == 0
    assert sink.total("k") == 2  # the first write and today's; yesterday's second is lost


def test_an_id_nobody_counted_holds_no_memory_when_flushed(
    recorder: UsageRecorder, sink: Sink, clock: FakeClock
) -> None:
    for n in range(1000):
        recorder.flush_due(f"made-up-{n}")
        clock.advance(seconds=0.01)

    assert recorder.held == (0, 0)
    assert sink.writes == []
