"""Overlapping runs, runs that die halfway, failed sends and long runs: no key warned twice.

The guarantee is at most once per key and threshold (docs/expiry-sweep.md): a warning is
recorded with a conditional write before it is sent; a send that fails is released for the
next run; only a process killed between the write and the send loses that warning.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from pynamodb.connection import Connection

from chalicelib.config.settings import Settings
from chalicelib.domain.expiry import ExpiryPolicy, Plan
from chalicelib.domain.records import AuditEvent
from chalicelib.domain.sweep import Notifier, SweepService
from chalicelib.domain.warnings import Candidate, Digest, Notice
from chalicelib.storage.models import bind_models
from chalicelib.storage.sweep import SweepStore
from chalicelib.wiring.expiry_sweep import notifier_for
from chalicelib.wiring.services import Services
from tests.functional.sweep.conftest import key_expiring, load_keys, sent
from tests.support.api import Tenant
from tests.support.clock import FakeClock
from tests.support.outbox import Outbox


class Killed(BaseException):
    """The runtime ending the process: no ``except Exception`` sees it."""


class Listed:
    """An index answer read earlier, before another run changed the keys."""

    def __init__(self, candidates: list[Candidate]) -> None:
        self._candidates = candidates

    def __iter__(self) -> Iterator[Candidate]:
        return iter(self._candidates)

    @property
    def examined(self) -> int:
        return len(self._candidates)


class StaleStore:
    """The real store, except that ``due`` answers what an overlapping run read."""

    def __init__(self, store: SweepStore, candidates: list[Candidate]) -> None:
        self._store = store
        self._candidates = candidates

    def due_by_shard(self, now: datetime) -> list[Listed]:
        return [Listed(self._candidates)]

    def record_all(
        self, entries: Sequence[tuple[Candidate, Plan, AuditEvent | None]]
    ) -> list[bool]:
        return self._store.record_all(entries)

    def release(self, candidate: Candidate, plan: Plan, event: AuditEvent | None = None) -> None:
        self._store.release(candidate, plan, event)

    def reschedule(self, candidate: Candidate, due: datetime | None) -> bool:
        return self._store.reschedule(candidate, due)


class Failing:
    """A notifier that fails its ``fail_on``-th send with ``error``, or refuses some notices."""

    def __init__(
        self,
        inner: Notifier,
        fail_on: int = 0,
        error: BaseException | None = None,
        refuse: frozenset[str] = frozenset(),
    ) -> None:
        self._inner, self._fail_on, self._error, self._refuse = inner, fail_on, error, refuse
        self.sends = 0

    def send(self, notices: Sequence[Notice]) -> list[Notice]:
        self.sends += 1
        if self.sends == self._fail_on and self._error is not None:
            raise self._error
        accepted = [notice for notice in notices if notice.key_id not in self._refuse]
        self._inner.send(accepted)
        return [notice for notice in notices if notice.key_id in self._refuse]

    def digest(self, digest: Digest) -> None:
        self._inner.digest(digest)


class Countdown:
    """The time a run has left: plenty for ``batches`` checks, then under the margin."""

    def __init__(self, batches: int) -> None:
        self.batches = batches

    def __call__(self) -> timedelta:
        self.batches -= 1
        return timedelta(minutes=5) if self.batches >= 0 else timedelta(seconds=3)


class DyingClockwork:
    """Plenty of time for ``batches`` checks, then the process is killed."""

    def __init__(self, batches: int) -> None:
        self.batches = batches

    def __call__(self) -> timedelta:
        self.batches -= 1
        if self.batches < 0:
            raise Killed
        return timedelta(minutes=5)


@pytest.fixture
def sweep_settings(sweep_settings: Settings) -> Settings:
    """One shard, batches of ten: these tests count what batches hold (shards split them)."""
    one_shard = replace(sweep_settings, sweep=replace(sweep_settings.sweep, shards=1, batch=10))
    bind_models(one_shard)  # new keys go to shard "0" too
    return one_shard


@pytest.fixture
def store(sweep_settings: Settings) -> SweepStore:
    return SweepStore(Connection(region=sweep_settings.region))


def sweep_with(
    store: SweepStore | StaleStore, notifier: Notifier, settings: Settings, clock: FakeClock
) -> SweepService:
    return SweepService(store, notifier, ExpiryPolicy(settings.sweep.expiry_thresholds_days), clock)


def crossing(services: Services, tenant: Tenant, clock: FakeClock, count: int) -> set[str]:
    return {key_expiring(services, tenant, clock, days=6).key_id for _ in range(count)}


def test_two_overlapping_runs_send_one_warning_per_key(
    services: Services,
    roomy: Tenant,
    clock: FakeClock,
    sweep: SweepService,
    store: SweepStore,
    sweep_settings: Settings,
    outbox: Outbox,
) -> None:
    keys = crossing(services, roomy, clock, 12)
    read_by_second_run = list(store.due(clock.now))

    first = sweep.run()
    second = sweep_with(
        StaleStore(store, read_by_second_run), notifier_for(sweep_settings), sweep_settings, clock
    ).run()

    assert (first.crossed, first.lost_races) == (12, 0)
    assert (second.crossed, second.lost_races) == (0, 12)
    assert sorted(sent(outbox)) == sorted((key, 7) for key in keys)
    assert len(outbox.digests()) == 1


def test_a_run_killed_after_half_the_keys_is_finished_by_the_next_without_duplicates(
    services: Services,
    roomy: Tenant,
    clock: FakeClock,
    sweep: SweepService,
    outbox: Outbox,
) -> None:
    keys = crossing(services, roomy, clock, 40)

    with pytest.raises(Killed):
        sweep.run(time_left=DyingClockwork(batches=2))
    before = sent(outbox)
    clock.advance(hours=1)
    sweep.run()
    after = sent(outbox)

    assert len(before) == 20
    assert Counter(before + after) == Counter({(key, 7): 1 for key in keys})


def test_a_run_killed_between_recording_and_sending_loses_that_batch_only(
    services: Services,
    roomy: Tenant,
    clock: FakeClock,
    store: SweepStore,
    sweep: SweepService,
    sweep_settings: Settings,
    outbox: Outbox,
) -> None:
    keys = crossing(services, roomy, clock, 40)
    dying = Failing(notifier_for(sweep_settings), fail_on=2, error=Killed())

    with pytest.raises(Killed):
        sweep_with(store, dying, sweep_settings, clock).run()
    sweep.run()
    once = sent(outbox)
    clock.advance(days=5)  # the next threshold: 1 day before expiry
    sweep.run()
    next_threshold = sent(outbox)

    # At most once: the second batch was recorded but never sent, and is not sent again.
    assert len(once) == 30
    assert Counter(once) == Counter({pair: 1 for pair in once})
    assert sorted(next_threshold) == sorted((key, 1) for key in keys)


def test_a_failed_send_is_released_and_sent_by_the_next_run(
    services: Services,
    roomy: Tenant,
    clock: FakeClock,
    store: SweepStore,
    sweep: SweepService,
    sweep_settings: Settings,
    outbox: Outbox,
) -> None:
    keys = crossing(services, roomy, clock, 40)
    throttled = Failing(notifier_for(sweep_settings), fail_on=2, error=RuntimeError("throttled"))

    with pytest.raises(RuntimeError):
        sweep_with(store, throttled, sweep_settings, clock).run()
    sweep.run()

    assert Counter(sent(outbox)) == Counter({(key, 7): 1 for key in keys})


def test_notices_the_bus_refused_are_released_and_sent_by_the_next_run(
    services: Services,
    roomy: Tenant,
    clock: FakeClock,
    store: SweepStore,
    sweep: SweepService,
    sweep_settings: Settings,
    outbox: Outbox,
) -> None:
    keys = sorted(crossing(services, roomy, clock, 5))
    refused = frozenset(keys[:2])
    partial = Failing(notifier_for(sweep_settings), refuse=refused)

    first = sweep_with(store, partial, sweep_settings, clock).run()
    first_sent = sent(outbox)
    second = sweep.run()

    assert (first.crossed, first.released, second.crossed) == (3, 2, 2)
    assert sorted(first_sent + sent(outbox)) == sorted((key, 7) for key in keys)


def test_the_expired_threshold_released_after_a_failed_send_frees_the_slot_once(
    services: Services,
    roomy: Tenant,
    clock: FakeClock,
    store: SweepStore,
    sweep: SweepService,
    sweep_settings: Settings,
    outbox: Outbox,
) -> None:
    key = key_expiring(services, roomy, clock, days=6)
    sweep.run()
    clock.advance(days=7)
    used = services.tenants.get("acme").keys_used
    refusing = Failing(notifier_for(sweep_settings), refuse=frozenset({key.key_id}))

    sweep_with(store, refusing, sweep_settings, clock).run()
    sweep.run()

    assert services.tenants.get("acme").keys_used == used - 1
    assert sent(outbox) == [(key.key_id, 7), (key.key_id, 0)]


def test_a_run_out_of_time_stops_and_the_next_continues_where_it_stopped(
    sweep_settings: Settings,
    roomy: Tenant,
    clock: FakeClock,
    sweep: SweepService,
    outbox: Outbox,
) -> None:
    keys = load_keys(sweep_settings, roomy, clock, 300, days=6)

    first = sweep.run(time_left=Countdown(batches=10))
    clock.advance(hours=1)
    second = sweep.run(time_left=Countdown(batches=1_000))

    assert (first.stopped_early, first.crossed, first.examined) == (True, 100, 100)
    assert (second.stopped_early, second.crossed, second.examined) == (False, 200, 200)
    assert Counter(sent(outbox)) == Counter({(key, 7): 1 for key in keys})


def test_a_run_that_read_the_key_before_a_rotation_moved_its_expiry_sends_nothing(
    services: Services,
    acme: Tenant,
    clock: FakeClock,
    sweep: SweepService,
    store: SweepStore,
    sweep_settings: Settings,
    outbox: Outbox,
) -> None:
    # Expiry E1 in 20 days: "30 days left" now, next due E1 - 7 days.
    key = key_expiring(services, acme, clock, days=20)
    sweep.run()
    assert sent(outbox) == [(key.key_id, 30)]
    clock.advance(days=13)  # E1 - 7 days: the key is due for "7 days left"
    read_before_rotation = list(store.due(clock.now))
    # Rotated to E2 = E1 + 23 days, whose first threshold (30 days) falls on the same
    # instant: sweep_due is what the run read, but expiry and warnings are not.
    services.keys.rotate(acme.tenant_id, key.key_id, timedelta(0), clock.now + timedelta(days=30))

    stale = sweep_with(
        StaleStore(store, read_before_rotation), notifier_for(sweep_settings), sweep_settings, clock
    ).run()
    fresh = sweep.run()

    assert (stale.crossed, stale.lost_races) == (0, 1)
    assert sent(outbox) == [(key.key_id, 30)]  # E2's first warning, not E1's "7 days left"
    assert fresh.notices[0].expires_at == clock.now + timedelta(days=30)
