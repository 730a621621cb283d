"""Usage totals under real concurrency, on DynamoDB Local: several containers flushing one
tenant's day at once never lose or double a count; the totals equal the per-key sums.

Each thread is one authorizer container (its own recorder and HotStore client), counting
decisions for keys of one tenant and flushing them as the authorizer does. Two shards only,
so the threads' ADDs meet on the same total items.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import botocore.session
from botocore.config import Config

from chalicelib.config.settings import Settings
from chalicelib.domain.usage import UsageRecorder
from chalicelib.storage.hotpath import CLIENT_CONFIG, HotStore
from chalicelib.storage.usage import UsageStore
from tests.conftest import Counters
from tests.integration.test_races import at_once
from tests.support.clock import FakeClock
from tests.support.records import make_key

CONTAINERS = 8
KEYS = 12
ROUNDS = 25
DAY = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def patient_client(settings: Settings) -> Any:
    """The authorizer's client, but waiting longer: eight writers share two slow cores, and
    a timed-out ADD may or may not have counted (this test is about the counts)."""
    config = CLIENT_CONFIG.merge(Config(read_timeout=30))
    return botocore.session.get_session().create_client(
        "dynamodb",
        region_name=settings.region,
        endpoint_url=settings.dynamodb.endpoint,
        config=config,
    )


def container(settings: Settings, tenant_id: str, seed: int) -> tuple[int, int]:
    """One container's decisions, flushed as they fall due: (allowed, denied) it counted."""
    clock = FakeClock(DAY)
    store = HotStore(settings, lambda: patient_client(settings))
    recorder = UsageRecorder(store, clock, timedelta(seconds=60))
    allowed = denied = 0
    for round_ in range(ROUNDS):
        for n in range(KEYS):
            key = replace(make_key(), key_id=f"{tenant_id}-k{n}", tenant_id=tenant_id)
            ok = (round_ + n + seed) % 4 != 0
            recorder.record(key, ok)
            allowed, denied = allowed + ok, denied + (not ok)
            recorder.flush_due(key.key_id)
        clock.advance(seconds=30)
    recorder.flush_all()
    return allowed, denied


def test_concurrent_flushes_of_one_tenant_day_keep_totals_equal_to_per_key_sums(
    local_settings: Settings, reliability: Counters
) -> None:
    settings = replace(local_settings, scale=replace(local_settings.scale, usage_total_shards=2))
    tenant_id = f"t-{uuid.uuid4().hex[:10]}"
    results = at_once(
        *[lambda seed=seed: container(settings, tenant_id, seed) for seed in range(CONTAINERS)]
    )
    reliability.races += 1
    counted = [result for result in results if isinstance(result, tuple)]
    assert len(counted) == CONTAINERS, results
    expected = (sum(r[0] for r in counted), sum(r[1] for r in counted))

    day = DAY.date().isoformat()
    usage = UsageStore(settings.scale.usage_total_shards)
    per_key = [usage.for_key(f"{tenant_id}-k{n}", day, day) for n in range(KEYS)]
    key_sums = (
        sum(d.allowed for days in per_key for d in days),
        sum(d.denied for days in per_key for d in days),
    )
    (total,) = usage.for_tenant(tenant_id, day, day)
    assert key_sums == expected, "no count lost or doubled per key"
    assert (total.allowed, total.denied) == expected, "the totals equal the per-key sums"
    # And the backfill, run over the finished day, agrees with what the flushes built.
    usage.recompute_totals(day, day, tenant_id)
    (rebuilt,) = usage.for_tenant(tenant_id, day, day)
    assert (rebuilt.allowed, rebuilt.denied) == expected
