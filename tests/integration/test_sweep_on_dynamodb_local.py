"""The expiry sweep on DynamoDB Local: truly concurrent runs, and 10,000 keys in one go."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from pynamodb.connection import Connection

from chalicelib.config.settings import Settings
from chalicelib.domain.expiry import ExpiryPolicy
from chalicelib.domain.groups import GroupDraft
from chalicelib.domain.keys import KeyDraft
from chalicelib.domain.records import Actor
from chalicelib.domain.sweep import SweepService
from chalicelib.domain.sweep_report import SweepReport
from chalicelib.domain.warnings import Candidate
from chalicelib.notify.senders import RecordingNotifier
from chalicelib.storage.key_model import KeyModel
from chalicelib.storage.models import bind_models
from chalicelib.storage.schema import create_tables
from chalicelib.storage.sweep import PAGE_SIZE, DueQuery, SweepStore
from chalicelib.storage.sweep_index import shard_of
from chalicelib.wiring.services import Services
from scripts.bench_sweep import bench_key, write_items
from tests.conftest import Counters
from tests.support.clock import FakeClock

OWNER = Actor(type="user", id="u-1", name="Owner")


class TogetherStore(SweepStore):
    """The real store; in each shard, each run reads its first page, then waits for the other.

    One barrier per shard, shared by the two runs: both read every shard's first page of
    keys before either records one of them.
    """

    def __init__(self, connection: Connection, barriers: list[threading.Barrier]) -> None:
        super().__init__(connection)
        self._barriers = barriers

    def due_by_shard(self, now: datetime) -> list[DueQuery]:
        parts = super().due_by_shard(now)
        return [
            _Synchronised(part, barrier)  # type: ignore[misc]
            for part, barrier in zip(parts, self._barriers, strict=True)
        ]


class _Synchronised:
    def __init__(self, query: DueQuery, barrier: threading.Barrier) -> None:
        self._query, self._barrier = query, barrier

    def __iter__(self) -> Iterator[Candidate]:
        candidates = iter(self._query)
        first = next(candidates, None)
        self._barrier.wait()
        if first is not None:
            yield first
        yield from candidates

    @property
    def examined(self) -> int:
        return self._query.examined


@pytest.fixture
def local_settings(
    integration_tables: Settings, dynamodb_client: Any, aws_credentials: None
) -> Settings:
    """The session's tables, but a keys table of this test's own.

    A sweep reads the whole index, every tenant's keys, so on the session's keys table it
    would also warn about keys other tests left there (the console's tests create keys
    expiring three days from the real now, due for "7 days left" at the fake clock's time),
    and these tests count every warning sent.
    """
    keys_table = f"latchkey-keys-{uuid.uuid4().hex[:12]}"
    dynamodb = replace(integration_tables.dynamodb, keys_table=keys_table)
    settings = replace(integration_tables, dynamodb=dynamodb)
    create_tables(dynamodb_client, settings)
    bind_models(settings)
    return settings


def connection(settings: Settings) -> Connection:
    return Connection(region=settings.region, host=settings.dynamodb.endpoint)


def new_tenant(services: Services, limit: int) -> tuple[str, str]:
    tenant_id = f"t-{uuid.uuid4().hex[:10]}"
    services.tenants.create(tenant_id, limit)
    group = services.groups.create(tenant_id, GroupDraft("Workers", "", ("keys:read",)))
    return tenant_id, group.group_id


def concurrent_runs(settings: Settings, clock: FakeClock) -> list[tuple[SweepReport, Any]]:
    """Two runs at once, each reading the shards on threads of its own."""
    barriers = [threading.Barrier(2) for _ in range(settings.sweep.shards)]
    policy = ExpiryPolicy(settings.sweep.expiry_thresholds_days)

    def one_run(_: int) -> tuple[SweepReport, RecordingNotifier]:
        notifier = RecordingNotifier()
        store = TogetherStore(connection(settings), barriers)
        workers = settings.sweep.workers
        return SweepService(store, notifier, policy, clock, workers).run(), notifier

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(one_run, range(2)))


def test_two_concurrent_sweeps_send_one_warning_per_key_and_threshold(
    services: Services, local_settings: Settings, clock: FakeClock, reliability: Counters
) -> None:
    tenant_id, group_id = new_tenant(services, 1_000)
    expires_at = clock.now + timedelta(hours=1)
    keys = {
        services.keys.create(
            tenant_id, OWNER, KeyDraft(f"k{n}", "", group_id, expires_at, ())
        ).key.key_id
        for n in range(120)
    }
    assert services.tenants.get(tenant_id).keys_used == 120
    clock.advance(hours=2)  # every key expired: the warning that also frees the slot

    runs = concurrent_runs(local_settings, clock)
    reliability.races += 1

    sent = Counter(
        (notice.key_id, notice.threshold) for _, notifier in runs for notice in notifier.events
    )
    assert sent == Counter({(key, 0): 1 for key in keys})
    # Both runs read each shard's first page (all of its keys: far fewer than PAGE_SIZE)
    # before either wrote, so every key was contested, and lost by one of the runs.
    assert sum(report.lost_races for report, _ in runs) == 120 < PAGE_SIZE * 16
    assert sum(report.crossed for report, _ in runs) == 120
    assert services.tenants.get(tenant_id).keys_used == 0
    digests = [digest for _, notifier in runs for digest in notifier.digests]
    assert sum(len(digest.notices) for digest in digests) == 120


@pytest.mark.long
def test_ten_thousand_keys_crossing_at_once_are_all_warned_across_runs(
    local_settings: Settings, dynamodb_client: Any, clock: FakeClock
) -> None:
    tenant_id = f"t-{uuid.uuid4().hex[:10]}"
    expires_at = clock.now + timedelta(days=5)
    keys = [bench_key(n, tenant_id, expires_at) for n in range(10_000)]
    write_items(dynamodb_client, local_settings, keys)
    policy = ExpiryPolicy(local_settings.sweep.expiry_thresholds_days)
    notifier = RecordingNotifier()
    store = SweepStore(connection(local_settings))
    sweep = SweepService(store, notifier, policy, clock, local_settings.sweep.workers)
    checks = iter(range(10_000))

    def time_left() -> timedelta:
        # A Lambda whose time runs short after 600 checks, made by the run's threads.
        return timedelta(minutes=5) if next(checks) < 600 else timedelta(seconds=5)

    first = sweep.run(time_left=time_left)
    clock.advance(hours=1)
    second = sweep.run()

    assert (first.stopped_early, second.stopped_early) == (True, False)
    # At most one batch of ten per check: the first run stopped with keys left.
    assert 0 < first.crossed <= 6_000
    assert first.crossed + second.crossed == 10_000
    # A stopped shard had read at most one page ahead; the second run read what was left.
    assert first.crossed <= first.examined < first.crossed + 16 * PAGE_SIZE
    assert second.examined == second.crossed
    assert Counter(n.key_id for n in notifier.events) == Counter({k.key_id: 1 for k in keys})
    assert {n.threshold for n in notifier.events} == {7}


def test_revoking_keys_while_the_sweep_flags_them_revokes_each_and_frees_each_slot_once(
    services: Services, local_settings: Settings, clock: FakeClock, reliability: Counters
) -> None:
    tenant_id, group_id = new_tenant(services, 1_000)
    expires_at = clock.now + timedelta(hours=1)
    keys = [
        services.keys.create(
            tenant_id, OWNER, KeyDraft(f"k{n}", "", group_id, expires_at, ())
        ).key.key_id
        for n in range(80)
    ]
    clock.advance(hours=2)
    policy = ExpiryPolicy(local_settings.sweep.expiry_thresholds_days)
    sweep = SweepService(SweepStore(connection(local_settings)), RecordingNotifier(), policy, clock)
    barrier = threading.Barrier(2)

    def sweep_all() -> list[str]:
        barrier.wait()
        sweep.run()
        return []

    def revoke_all() -> list[str]:
        barrier.wait()
        return [services.keys.revoke(tenant_id, key, OWNER).status.value for key in keys]

    with ThreadPoolExecutor(max_workers=2) as pool:
        swept, revoked = pool.submit(sweep_all), pool.submit(revoke_all)
        statuses = revoked.result()
        swept.result()
    reliability.races += 1

    assert statuses == ["revoked"] * len(keys)
    assert services.tenants.get(tenant_id).keys_used == 0


def test_keys_spread_over_every_shard_are_warned_exactly_once_by_parallel_shard_readers(
    services: Services, local_settings: Settings, clock: FakeClock, reliability: Counters
) -> None:
    tenant_id, group_id = new_tenant(services, 1_000)
    soon, expiring = clock.now + timedelta(hours=1), clock.now + timedelta(days=5)
    keys = {
        services.keys.create(
            tenant_id, OWNER, KeyDraft(f"k{n}", "", group_id, soon if n % 4 else expiring, ())
        ).key.key_id
        for n in range(200)
    }
    clock.advance(hours=2)  # 150 keys expired (each frees a slot), 50 for "7 days left"
    shards = Counter(shard_of(key) for key in keys)
    assert set(shards) == {str(shard) for shard in range(local_settings.sweep.shards)}
    notifier = RecordingNotifier()
    policy = ExpiryPolicy(local_settings.sweep.expiry_thresholds_days)
    store = SweepStore(connection(local_settings))
    sweep = SweepService(store, notifier, policy, clock, local_settings.sweep.workers)

    first = sweep.run()
    again = sweep.run()
    reliability.races += 1

    assert Counter(notice.key_id for notice in notifier.events) == Counter(dict.fromkeys(keys, 1))
    assert Counter(notice.threshold for notice in notifier.events) == {0: 150, 7: 50}
    assert (first.crossed, first.examined, first.lost_races) == (200, 200, 0)
    assert (again.crossed, again.examined) == (0, 0)
    # The expired keys' slots were freed concurrently, each once.
    assert services.tenants.get(tenant_id).keys_used == 50
    assert sum(len(digest.notices) for digest in notifier.digests) == 200


def test_the_sweep_reads_its_index_as_dynamodb_projects_it_without_last_used_at(
    services: Services, local_settings: Settings, dynamodb_client: Any, clock: FakeClock
) -> None:
    tenant_id, group_id = new_tenant(services, 10)
    draft = KeyDraft("k", "", group_id, clock.now + timedelta(days=5), ())
    key_id = services.keys.create(tenant_id, OWNER, draft).key.key_id
    dynamodb_client.update_item(
        TableName=local_settings.dynamodb.keys_table,
        Key={"key_id": {"S": key_id}},
        UpdateExpression="SET last_used_at = :now",
        ExpressionAttributeValues={":now": {"S": clock.now.isoformat()}},
    )

    projected = dynamodb_client.query(
        TableName=local_settings.dynamodb.keys_table,
        IndexName=KeyModel.by_sweep_due.Meta.index_name,
        KeyConditionExpression="sweep_shard = :shard",
        ExpressionAttributeValues={":shard": {"S": shard_of(key_id)}},
    )["Items"]
    (candidate,) = SweepStore(connection(local_settings)).due(clock.now)

    assert len(projected) == 1
    assert "last_used_at" not in projected[0]
    assert "secret_hash" not in projected[0]
    assert (candidate.key_id, candidate.tenant_id, candidate.name) == (key_id, tenant_id, "k")
    assert (candidate.counted, candidate.notified) == (True, frozenset())
