"""Benchmark: what the expiry sweep reads per warning, and how many warnings it sends an hour.

On DynamoDB Local, for tables of 1,000 and 20,000 keys of which 1% crossed a threshold
(the rest expire later or never), one sweep runs for real (records written, warnings
kept in memory) and the sum of its index queries' ScannedCount is compared with the number
of keys it warned. Target: examined / crossed <= 1.1 at both sizes, i.e. the sweep reads
what crossed and not the table.

Throughput: a table where every key crossed a threshold (a quarter of them
expired, so their transactions also free a slot of one of 100 tenants' counters) is swept
by one run with 1 worker (the sequential sweep before sharding) and with the configured
workers. Each line prints warnings per second and per hour beside the target of 100,000
in one run, what one Lambda run (the template's timeout) sends, and per warning: requests,
RCU and WCU as DynamoDB reports them (scripts/capacity.py) and the sweep process's own CPU.
The run is a few thousand warnings and the hour is extrapolated linearly from it (a run's
work per warning does not grow with the backlog: each shard is read page by page). The
notifier keeps warnings in memory but waits ``--notify-ms`` per PutEvents and per SNS
Publish call, an assumed AWS round trip (not measured here). Run with ``make bench``;
tooling only, not a test.
"""

from __future__ import annotations

import argparse
import random
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore import handlers
from pynamodb.connection import Connection

from chalicelib.config.settings import Settings
from chalicelib.config.sweep import SweepSettings
from chalicelib.domain.expiry import ExpiryPolicy
from chalicelib.domain.records import Actor, ApiKey, KeyStatus, SecretHash
from chalicelib.domain.warnings import Digest, Notice
from chalicelib.notify.senders import RecordingNotifier
from chalicelib.storage.keys import KeyStore
from chalicelib.storage.models import bind_models
from chalicelib.storage.tenants import TenantStore
from chalicelib.wiring.expiry_sweep import build_sweep
from scripts.bench_support import local_client, local_dynamodb, new_tables
from scripts.capacity import Meter

TARGET = 1.1
SIZES = (1_000, 20_000)
CROSSING = 0.01
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
OWNER = Actor(type="system", id="bench", name="Sweep benchmark")
TENANTS = 20
# Throughput: warnings one scheduled run must be able to send, and how long a
# run may work (infra/template.yaml, ExpirySweep's Timeout, less the 10 s stop margin).
TARGET_PER_RUN = 100_000
RUN_SECONDS = 900 - 10
THROUGHPUT_KEYS = 2_000
THROUGHPUT_TENANTS = 100
NOTIFY_MS = 30.0


def bench_key(number: int, tenant_id: str, expires_at: datetime | None) -> ApiKey:
    """A key record as the service would create it (with a fake secret hash)."""
    return ApiKey(
        key_id=f"b{number:07d}{uuid.uuid4().hex[:8]}",
        tenant_id=tenant_id,
        name=f"Bench key {number}",
        description="",
        group_id="grp_bench",
        status=KeyStatus.ACTIVE,
        expires_at=expires_at,
        ip_allowlist=(),
        created_by=OWNER,
        created_at=NOW - timedelta(days=30),
        updated_at=NOW - timedelta(days=30),
        hint="lk_test_bench...",
        current_secret=SecretHash("0" * 64, 1),
    )


def write_items(client: Any, settings: Settings, keys: Iterable[ApiKey]) -> int:
    """BatchWriteItem the items ``KeyStore.create`` would put (its ``new_item``), 25 a call."""
    policy = ExpiryPolicy(settings.sweep.expiry_thresholds_days)

    def due(key: ApiKey) -> datetime | None:  # what KeyService.create gives the store
        return None if key.expires_at is None else policy.first_due(key.expires_at)

    items = [KeyStore.new_item(key, due(key)).serialize() for key in keys]
    chunks = [items[start : start + 25] for start in range(0, len(items), 25)]

    def put(chunk: list[dict[str, Any]]) -> None:
        requests: dict[str, Any] = {
            settings.dynamodb.keys_table: [{"PutRequest": {"Item": item}} for item in chunk]
        }
        while requests:
            requests = client.batch_write_item(RequestItems=requests)["UnprocessedItems"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(put, chunks))
    return len(items)


def population(size: int, rng: random.Random) -> list[ApiKey]:
    """``size`` keys: 1% crossed a threshold (some expired), the rest later or never."""
    keys = []
    crossing = round(size * CROSSING)
    for number in range(size):
        tenant = f"tenant-{number % TENANTS:02d}"
        if number < crossing:
            expires_at: datetime | None = NOW + timedelta(days=rng.uniform(-2, 29.9))
        elif number % 2:
            expires_at = NOW + timedelta(days=rng.uniform(31, 400))
        else:
            expires_at = None
        keys.append(bench_key(number, tenant, expires_at))
    return keys


def run_size(endpoint: str, size: int) -> tuple[int, int]:
    settings = new_tables(endpoint)
    client = local_client(endpoint)
    bind_models(settings)
    for number in range(TENANTS):
        TenantStore(Connection(settings.region, host=settings.dynamodb.endpoint)).create(
            f"tenant-{number:02d}", size, NOW - timedelta(days=60)
        )
    started = time.monotonic()
    rng = random.Random(size)  # noqa: S311 - reproducible spread of expiries, not a secret
    loaded = write_items(client, settings, population(size, rng))
    load_time = time.monotonic() - started
    sweep = build_sweep(settings, lambda: NOW, RecordingNotifier())
    started = time.monotonic()
    report = sweep.run()
    sweep_time = time.monotonic() - started
    again = sweep.run()
    ratio = report.examined / report.crossed if report.crossed else float("inf")
    verdict = "ok" if ratio <= TARGET else "OVER TARGET"
    print(
        f"{loaded:>6} keys: examined {report.examined:>4}, crossed {report.crossed:>4}, "
        f"examined/crossed {ratio:.2f} (target <= {TARGET}) {verdict}; "
        f"next run examined {again.examined}; load {load_time:.1f} s, sweep {sweep_time:.1f} s"
    )
    return report.examined, report.crossed


class PacedNotifier(RecordingNotifier):
    """Keeps the warnings, waiting as long as an AWS call would per PutEvents and Publish."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self._seconds = seconds

    def send(self, notices: Sequence[Notice]) -> list[Notice]:
        time.sleep(self._seconds)
        return super().send(notices)

    def digest(self, digest: Digest) -> None:
        time.sleep(self._seconds)
        super().digest(digest)


class EveryNewSession:
    """Registers a Meter's hooks on every botocore session made from now on.

    PynamoDB makes its own sessions (one per connection and thread), so the meter cannot
    be attached to one: it joins botocore's built-in handlers, as moto does.
    """

    def register(self, event: str, handler: Callable[..., Any]) -> None:
        handlers.BUILTIN_HANDLERS.append((event, handler))


def crossing_population(count: int, rng: random.Random) -> list[ApiKey]:
    """``count`` keys that all crossed a threshold; every fourth one has expired."""
    keys = []
    for number in range(count):
        tenant = f"tenant-{number % THROUGHPUT_TENANTS:03d}"
        if number % 4 == 0:
            expires_at = NOW - timedelta(hours=rng.uniform(1, 48))
        else:
            expires_at = NOW + timedelta(days=rng.uniform(0.5, 29.9))
        keys.append(bench_key(number, tenant, expires_at))
    return keys


def run_throughput(
    endpoint: str, meter: Meter, count: int, workers: int, notify_ms: float
) -> float:
    """One run over ``count`` crossed keys with ``workers`` threads; returns what a run sends."""
    settings = new_tables(endpoint, sweep=SweepSettings(workers=workers))
    client = local_client(endpoint)
    bind_models(settings)
    tenants = TenantStore(Connection(settings.region, host=settings.dynamodb.endpoint))
    for number in range(THROUGHPUT_TENANTS):
        tenants.create(f"tenant-{number:03d}", count, NOW - timedelta(days=60))
    write_items(client, settings, crossing_population(count, random.Random(count)))  # noqa: S311
    sweep = build_sweep(settings, lambda: NOW, PacedNotifier(notify_ms / 1000))
    cpu, started = time.process_time(), time.monotonic()
    with meter.measure() as used:
        report = sweep.run()
    elapsed, cpu = time.monotonic() - started, time.process_time() - cpu
    sent = report.crossed
    per_second = sent / elapsed
    per_run = per_second * RUN_SECONDS
    verdict = "ok" if per_run >= TARGET_PER_RUN else "UNDER TARGET on this machine"
    operations = ", ".join(f"{op} {n / sent:.2f}" for op, n in sorted(used.by_operation.items()))
    print(
        f"{workers:>2} workers: {sent} warnings in {elapsed:.1f} s = {per_second:.0f}/s, "
        f"{per_second * 3600:,.0f}/hour; one {RUN_SECONDS} s run {per_run:,.0f} "
        f"(target >= {TARGET_PER_RUN:,}) {verdict}"
    )
    print(
        f"    per warning: {used.requests / sent:.2f} requests ({operations}), "
        f"{used.read_units / sent:.2f} RCU, {used.write_units / sent:.2f} WCU, "
        f"{cpu / sent * 1000:.1f} ms of the sweep's CPU; lost races {report.lost_races}"
    )
    return per_run


# DynamoDB Local answers a TransactWriteItems' ConsumedCapacity as 2 units per table,
# whatever its items (measured: 1, 2 and 10 items all report 2.0), so the WCU above
# undercount batched writes; DynamoDB charges 2 WCU per item-KB written in a transaction.
WCU_NOTE = (
    "    (WCU as DynamoDB Local reports them: 2 per table per transaction, whatever its "
    "items; DynamoDB charges ~7 WCU per warning here, docs/expiry-sweep.md)"
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench_sweep", description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--throughput", type=int, default=THROUGHPUT_KEYS, help="keys crossed")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, SweepSettings.workers])
    parser.add_argument("--notify-ms", type=float, default=NOTIFY_MS)
    args = parser.parse_args(argv)
    print("Expiry sweep on DynamoDB Local: items examined per key that crossed a threshold")
    failed = False
    with local_dynamodb() as endpoint:
        for size in args.sizes:
            examined, crossed = run_size(endpoint, size)
            failed |= crossed == 0 or examined / crossed > TARGET
        print(
            f"Expiry sweep throughput on DynamoDB Local: {args.throughput} crossed keys, "
            f"{THROUGHPUT_TENANTS} tenants, {args.notify_ms:.0f} ms per PutEvents/Publish "
            "(assumed); the hour and the run extrapolated linearly from this run"
        )
        meter = Meter.on(EveryNewSession())
        for workers in args.workers:
            run_throughput(endpoint, meter, args.throughput, workers, args.notify_ms)
        print(WCU_NOTE)
    # Only the examined/crossed ratios decide the exit status: they do not depend on the
    # machine. Throughput does (DynamoDB Local runs one transaction at a time, on whatever
    # CPU is free), so it is printed beside its target, never a failure.
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
