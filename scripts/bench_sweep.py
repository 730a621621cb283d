"""Benchmark: how many items the expiry sweep examines per key that crossed a threshold.

On DynamoDB Local, for tables of 1,000 and 20,000 keys of which 1% crossed a threshold
(the rest expire later or never), one sweep runs for real (records written, warnings
kept in memory) and the sum of its index queries' ScannedCount is compared with the number
of keys it warned. Target: examined / crossed <= 1.1 at both sizes, i.e. the sweep reads
what crossed and not the table. Run with ``make bench``; tooling only, not a test.
"""

from __future__ import annotations

import argparse
import os
import random
import time
import uuid
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from pynamodb.connection import Connection

from chalicelib.domain.expiry import ExpiryPolicy
from chalicelib.domain.records import Actor, ApiKey, KeyStatus, SecretHash
from chalicelib.expiry_job import build_sweep
from chalicelib.notify import RecordingNotifier
from chalicelib.settings import Settings
from chalicelib.storage.keys import KeyStore
from chalicelib.storage.models import bind_models
from chalicelib.storage.schema import create_tables
from chalicelib.storage.tenants import TenantStore
from scripts.dynamodb_local import DynamoDBLocal

TARGET = 1.1
SIZES = (1_000, 20_000)
CROSSING = 0.01
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
OWNER = Actor(type="system", id="bench", name="Sweep benchmark")
TENANTS = 20


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
    policy = ExpiryPolicy(settings.expiry_thresholds_days)

    def due(key: ApiKey) -> datetime | None:  # what KeyService.create gives the store
        return None if key.expires_at is None else policy.first_due(key.expires_at)

    items = [KeyStore.new_item(key, due(key)).serialize() for key in keys]
    chunks = [items[start : start + 25] for start in range(0, len(items), 25)]

    def put(chunk: list[dict[str, Any]]) -> None:
        requests: dict[str, Any] = {
            settings.keys_table: [{"PutRequest": {"Item": item}} for item in chunk]
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


def settings_for(db: DynamoDBLocal, size: int) -> Settings:
    suffix = f"{size}-{uuid.uuid4().hex[:6]}"
    return Settings(
        stage="bench",
        keys_table=f"bench-keys-{suffix}",
        groups_table=f"bench-groups-{suffix}",
        tenants_table=f"bench-tenants-{suffix}",
        dynamodb_endpoint=db.endpoint,
        local_peppers={1: b"bench"},
    )


def run_size(db: DynamoDBLocal, client: Any, size: int) -> tuple[int, int]:
    settings = settings_for(db, size)
    create_tables(client, settings)
    bind_models(settings)
    for number in range(TENANTS):
        TenantStore(Connection(settings.region, host=settings.dynamodb_endpoint)).create(
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench_sweep", description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    args = parser.parse_args(argv)
    # PynamoDB signs with the environment's credentials; DynamoDB Local accepts any, and a
    # developer's real ones must not be needed (nor used).
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ[name] = "bench"
    print("Expiry sweep on DynamoDB Local: items examined per key that crossed a threshold")
    failed = False
    with DynamoDBLocal() as db:
        client = boto3.client(
            "dynamodb",
            endpoint_url=db.endpoint,
            region_name="us-east-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",  # noqa: S106 - DynamoDB Local takes any
        )
        for size in args.sizes:
            examined, crossed = run_size(db, client, size)
            failed |= crossed == 0 or examined / crossed > TARGET
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
