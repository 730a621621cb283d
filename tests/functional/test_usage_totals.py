"""Tenants' daily usage totals, over moto: the sharded totals GET /v1/usage reads always
equal the sum of the per-key items the authorizer writes beside them, day by day, tokens
included; and the backfill rebuilds them from the per-key items, idempotently."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from chalicelib.authorizer.handler import authorize
from chalicelib.authorizer.runtime import build_runtime
from chalicelib.cli.main import parser, run
from chalicelib.domain.errors import StorageUnavailable
from chalicelib.storage.hotpath import TOTAL_PREFIX, HotStore, total_key
from chalicelib.storage.usage import UsageStore
from chalicelib.wiring.services import Services
from tests.functional.conftest import create_key, json_of, table_snapshot
from tests.functional.faults import DYNAMODB_FAULTS, Fault, FaultPlan
from tests.support.api import Api, Tenant
from tests.support.clock import FakeClock

DAYS = ["2026-11-22", "2026-11-23", "2026-11-24"]


def per_key_sums(services: Services, tenant_id: str) -> dict[str, tuple[int, int, int]]:
    """Brute force: every per-key item of the tenant, summed per day."""
    client = boto3.client("dynamodb", region_name=services.settings.region)
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for item in client.scan(TableName=services.settings.dynamodb.usage_table)["Items"]:
        if item.get("tenant_id", {}).get("S") != tenant_id:
            continue
        counts = sums[item["day"]["S"]]
        for index, name in enumerate(("allowed", "denied", "tokens_issued")):
            counts[index] += int(item.get(name, {"N": "0"})["N"])
    return {day: (a, d, t) for day, (a, d, t) in sums.items()}


def totals(services: Services, tenant_id: str) -> dict[str, tuple[int, int, int]]:
    days = UsageStore(services.settings.scale.usage_total_shards).for_tenant(
        tenant_id, "2026-01-01", "2026-12-31"
    )
    return {d.day: (d.allowed, d.denied, d.tokens_issued) for d in days}


def total_items(services: Services) -> list[dict[str, Any]]:
    client = boto3.client("dynamodb", region_name=services.settings.region)
    items = client.scan(TableName=services.settings.dynamodb.usage_table)["Items"]
    return [item for item in items if item["key_id"]["S"].startswith(TOTAL_PREFIX)]


def test_totals_equal_the_sum_of_per_key_items_across_shards_and_days(
    services: Services,
) -> None:
    store, chance = HotStore(services.settings), random.Random(13)
    for n in range(60):
        tenant = "acme" if n % 3 else "globex"
        for day in DAYS:
            store.add_usage(
                tenant,
                f"key{n:03d}",
                day,
                chance.randrange(50),
                chance.randrange(5),
                None,
                issued=chance.randrange(3),
            )
    for tenant in ("acme", "globex"):
        assert totals(services, tenant) == per_key_sums(services, tenant)
        assert set(totals(services, tenant)) == set(DAYS)
    shards = {item["key_id"]["S"] for item in total_items(services)}
    assert len(shards) > services.settings.scale.usage_total_shards, "both tenants, many shards"
    assert all("tenant_id" not in item for item in total_items(services)), "not a key's item"


def test_totals_read_at_once_from_more_shards_than_threads_equal_the_per_key_sums(
    services: Services,
) -> None:
    # 25 shards: more than the reader's threads (10), so some threads read several shards.
    settings = replace(
        services.settings, scale=replace(services.settings.scale, usage_total_shards=25)
    )
    store, chance = HotStore(settings), random.Random(25)
    for n in range(200):
        store.add_usage("acme", f"key{n:03d}", DAYS[n % 3], chance.randrange(1, 9), 1, None)
    assert len(total_items(services)) > 10, "the totals span more shards than threads"
    days = UsageStore(25).for_tenant("acme", DAYS[0], DAYS[-1])
    read = {d.day: (d.allowed, d.denied, d.tokens_issued) for d in days}
    assert read == per_key_sums(services, "acme")


@pytest.mark.parametrize(
    "fault",
    [fault for fault in DYNAMODB_FAULTS if fault.name in {"throttling", "timeout"}],
    ids=lambda fault: fault.name,
)
def test_failed_shard_queries_are_storage_unavailable_as_before(
    faults: FaultPlan, services: Services, fault: Fault
) -> None:
    store = HotStore(services.settings)
    for n in range(40):
        store.add_usage("acme", f"key{n}", DAYS[0], 1, 0, None)
    shards = services.settings.scale.usage_total_shards
    # Every call fails: FaultPlan counts calls without a lock, so "the Nth" of Queries
    # running at once would not be one call for sure.
    faults.arm("dynamodb", fault)
    with pytest.raises(StorageUnavailable):
        UsageStore(shards).for_tenant("acme", DAYS[0], DAYS[-1])
    faults.disarm()
    assert faults.injected >= 1
    assert set(faults.operations) == {"Query"}, "a read: it wrote nothing"
    assert totals(services, "acme") == {DAYS[0]: (40, 0, 0)}, "the next read answers in full"


def test_decisions_each_side_of_midnight_count_on_their_own_days(
    services: Services, api: Api, acme: Tenant
) -> None:
    made = create_key(api, acme.group_id)
    clock = FakeClock(datetime(2026, 11, 23, 23, 59, 59, tzinfo=UTC))
    runtime = build_runtime(services.settings, clock)
    arn = "arn:aws:execute-api:us-east-1:123456789012:api/prod/GET/anything"
    event = {"type": "TOKEN", "authorizationToken": made["secret"], "methodArn": arn}
    authorize(event, runtime)  # 23:59:59, due at once
    clock.advance(seconds=1)
    authorize(event, runtime)  # 00:00:00, held
    clock.advance(seconds=60)
    authorize(event, runtime)  # due: the new day's two
    assert totals(services, "acme") == {"2026-11-23": (1, 0, 0), "2026-11-24": (2, 0, 0)}
    assert totals(services, "acme") == per_key_sums(services, "acme")


def test_access_tokens_issued_count_into_the_tenants_totals(
    services: Services, api: Api, acme: Tenant
) -> None:
    store = HotStore(services.settings)
    store.add_usage("acme", "key1", "2026-11-24", 3, 0, None, issued=2)
    store.add_usage("acme", "key2", "2026-11-24", 1, 1, None, issued=1)
    report = json_of(api.call("GET", "/v1/usage?from=2026-11-24&to=2026-11-24"))
    assert report["days"] == [{"day": "2026-11-24", "allowed": 4, "denied": 1, "tokens_issued": 3}]
    assert report["tokens_issued"] == 3


def test_get_usage_reads_the_totals_not_the_keys(
    services: Services, api: Api, acme: Tenant, globex: Tenant
) -> None:
    store = HotStore(services.settings)
    store.add_usage("acme", "key1", "2026-11-24", 5, 0, None)
    store.add_usage("globex", "key9", "2026-11-24", 7, 0, None)
    # A per-key item without a total (written before totals existed) is not counted:
    # the backfill below is what brings such history in.
    client = boto3.client("dynamodb", region_name=services.settings.region)
    client.put_item(
        TableName=services.settings.dynamodb.usage_table,
        Item={
            "key_id": {"S": "old-key"},
            "day": {"S": "2026-11-24"},
            "tenant_id": {"S": "acme"},
            "allowed": {"N": "100"},
            "denied": {"N": "0"},
        },
    )
    report = json_of(api.call("GET", "/v1/usage?from=2026-11-24&to=2026-11-24"))
    assert (report["allowed"], report["denied"]) == (5, 0), "acme's totals only"


def put_history(services: Services, tenant: str, key_id: str, day: str, allowed: int) -> None:
    """A per-key item as the authorizer wrote it before totals existed."""
    boto3.client("dynamodb", region_name=services.settings.region).put_item(
        TableName=services.settings.dynamodb.usage_table,
        Item={
            "key_id": {"S": key_id},
            "day": {"S": day},
            "tenant_id": {"S": tenant},
            "allowed": {"N": str(allowed)},
            "denied": {"N": "1"},
        },
    )


def test_the_backfill_sets_past_totals_from_per_key_items_and_is_idempotent(
    services: Services,
) -> None:
    for n in range(12):
        for day in DAYS:
            put_history(services, "acme" if n % 2 else "globex", f"key{n}", day, n)
    # The deploy day: some flushes already wrote totals too (after the deploy).
    HotStore(services.settings).add_usage("acme", "key1", DAYS[-1], 10, 0, None)
    usage = UsageStore(services.settings.scale.usage_total_shards)

    first = usage.recompute_totals(DAYS[0], DAYS[-1])
    assert first.tenant_days == 2 * len(DAYS)
    for tenant in ("acme", "globex"):
        assert totals(services, tenant) == per_key_sums(services, tenant)
    before = sorted(map(str, total_items(services)))
    second = usage.recompute_totals(DAYS[0], DAYS[-1])
    assert second == first
    assert sorted(map(str, total_items(services))) == before, "a second run changes nothing"


def test_the_backfill_touches_only_the_days_and_tenant_asked_for(services: Services) -> None:
    for day in DAYS:
        put_history(services, "acme", "key1", day, 4)
        put_history(services, "globex", "key2", day, 6)
    UsageStore(services.settings.scale.usage_total_shards).recompute_totals(
        DAYS[1], DAYS[1], tenant_id="acme"
    )
    assert totals(services, "acme") == {DAYS[1]: (4, 1, 0)}
    assert totals(services, "globex") == {}


@pytest.mark.parametrize("days", [1, 3])
def test_a_tenant_day_is_spread_over_the_shards(services: Services, days: int) -> None:
    store = HotStore(services.settings)
    first = datetime(2026, 10, 1, tzinfo=UTC)
    for offset in range(days):
        day = (first + timedelta(days=offset)).date().isoformat()
        for n in range(40):
            store.add_usage("acme", f"key{n}", day, 1, 0, None)
    keys = {item["key_id"]["S"] for item in total_items(services)}
    shards = services.settings.scale.usage_total_shards
    assert keys <= {total_key("acme", shard) for shard in range(shards)}
    assert len(keys) >= shards // 2, "random shards: a busy day is not one item"


# --- latchkey migrate usage-totals ---------------------------------------------------------

PAST = ["2025-03-01", "2025-03-02"]  # always over, whatever day the suite runs on


def migrate(services: Services, capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    argv = ["migrate", "usage-totals", "--json", *args]
    capsys.readouterr()  # the API's request log lines so far
    assert run(parser().parse_args(argv), services.settings) == 0
    return json.loads(capsys.readouterr().out)


def test_the_migrate_command_brings_old_history_into_get_usage(
    services: Services, api: Api, acme: Tenant, capsys: pytest.CaptureFixture[str]
) -> None:
    for day in PAST:
        put_history(services, "acme", "key1", day, 7)
        put_history(services, "acme", "key2", day, 3)
    summary = migrate(services, capsys, "--from", PAST[0], "--to", PAST[-1])
    assert summary == {"from": PAST[0], "to": PAST[-1], "scanned": 4, "tenant_days": 2}
    report = json_of(api.call("GET", f"/v1/usage?from={PAST[0]}&to={PAST[-1]}"))
    assert [(d["day"], d["allowed"], d["denied"]) for d in report["days"]] == [
        (PAST[0], 10, 2),
        (PAST[1], 10, 2),
    ]
    assert migrate(services, capsys, "--from", PAST[0], "--to", PAST[-1]) == summary


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        (PAST[1], PAST[0], "--from must not be after --to"),
        (PAST[0], datetime.now(UTC).date().isoformat(), "--to must be a day that is over"),
    ],
)
def test_the_migrate_command_refuses_a_bad_range_and_changes_nothing(
    services: Services, first: str, last: str, message: str
) -> None:
    put_history(services, "acme", "key1", PAST[0], 7)
    before = table_snapshot(services)
    args = parser().parse_args(["migrate", "usage-totals", "--from", first, "--to", last])
    with pytest.raises(SystemExit, match=message):
        run(args, services.settings)
    assert table_snapshot(services) == before


def test_the_migrate_command_refuses_a_day_that_is_not_a_date(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        parser().parse_args(["migrate", "usage-totals", "--from", "March", "--to", PAST[0]])
    assert "YYYY-MM-DD" in capsys.readouterr().err
