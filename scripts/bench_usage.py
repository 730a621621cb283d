"""``make bench``: what a tenant's usage costs to read, and what a hot key costs to decide.

On DynamoDB Local, every DynamoDB figure read from ``ReturnConsumedCapacity``
(scripts/capacity.py's Meter), each beside its floor or target:

- ``GET /v1/usage`` for a tenant with 1,000 keys and 30 days of use (30,000 per-key items):
  before the totals it summed the per-key items through ``tenant-day-index`` (the index is
  created on this bench's table only, to measure that path); now it reads the tenant's
  sharded daily totals. Requests, items read, read units, milliseconds (median of 3).
- the backfill that builds those totals from the per-key items (``latchkey migrate
  usage-totals``): its one Scan and its writes.
- a hot key: 1,000 decisions on one key in one container, spread over a simulated minute,
  with the key cache on (default) and off: DynamoDB reads per cache period.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Any

from chalicelib.authorizer.handler import authorize
from chalicelib.authorizer.runtime import build_runtime
from chalicelib.config.settings import Settings
from chalicelib.storage.hotpath import HotStore, dynamodb_client
from chalicelib.storage.models import bind_models
from chalicelib.storage.sessions import new_session
from chalicelib.storage.usage import UsageStore
from chalicelib.wiring.services import build_services
from scripts.bench_authorizer import ARN, SINK
from scripts.bench_support import bench_tables, header, local_client, metered, row
from scripts.capacity import Meter

KEYS = 1000
DAYS = [f"2026-10-{day:02d}" for day in range(1, 31)]
TENANT = "bench-tenant"
HOT_DECISIONS = 1000
SIMULATED_SECONDS = 60.0
READS = 3  # each way of reading usage is timed this many times (the median is printed)


def add_old_index(client: Any, table: str) -> None:
    """The tenant-day-index as it was before the totals, on this bench's table only."""
    client.update_table(
        TableName=table,
        AttributeDefinitions=[
            {"AttributeName": "tenant_id", "AttributeType": "S"},
            {"AttributeName": "day", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexUpdates=[
            {
                "Create": {
                    "IndexName": "tenant-day-index",
                    "KeySchema": [
                        {"AttributeName": "tenant_id", "KeyType": "HASH"},
                        {"AttributeName": "day", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            }
        ],
    )


def load_history(client: Any, table: str) -> None:
    """1,000 keys x 30 days of per-key items, as the authorizer writes them."""
    items = [
        {
            "key_id": {"S": f"key{n:04d}"},
            "day": {"S": day},
            "tenant_id": {"S": TENANT},
            "allowed": {"N": str(100 + n % 7)},
            "denied": {"N": str(n % 3)},
        }
        for n in range(KEYS)
        for day in DAYS
    ]
    for start in range(0, len(items), 25):
        pending = {table: [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]}
        while pending:  # DynamoDB Local, like DynamoDB, may leave some for a second try
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems")


def old_for_tenant(client: Any, table: str) -> dict[str, int]:
    """GET /v1/usage before the totals: every per-key item of the range, through the index."""
    totals: dict[str, int] = defaultdict(int)
    pages = client.get_paginator("query").paginate(
        TableName=table,
        IndexName="tenant-day-index",
        KeyConditionExpression="tenant_id = :t AND #d BETWEEN :a AND :b",
        ExpressionAttributeNames={"#d": "day"},
        ExpressionAttributeValues={
            ":t": {"S": TENANT},
            ":a": {"S": DAYS[0]},
            ":b": {"S": DAYS[-1]},
        },
    )
    for page in pages:
        for item in page["Items"]:
            totals[item["day"]["S"]] += int(item["allowed"]["N"])
    return totals


def usage_lines(settings: Settings, client: Any) -> None:
    add_old_index(client, settings.dynamodb.usage_table)
    load_history(client, settings.dynamodb.usage_table)
    session = new_session()
    meter = Meter.on(session, client)
    bind_models(settings, session)
    store = UsageStore(settings.scale.usage_total_shards)
    done, backfill, backfill_ms = metered(
        meter, lambda: store.recompute_totals(DAYS[0], DAYS[-1], None)
    )
    before, old, old_ms = metered(
        meter, lambda: old_for_tenant(client, settings.dynamodb.usage_table), READS
    )
    days, new, new_ms = metered(meter, lambda: store.for_tenant(TENANT, DAYS[0], DAYS[-1]), READS)
    assert {d.day: d.allowed for d in days} == before, "the totals answer as the old sum did"
    header(f"GET /v1/usage, {KEYS} keys x {len(DAYS)} days, on DynamoDB Local", "now", "before")
    shards = settings.scale.usage_total_shards
    row("requests", new.requests, old.requests, "requests", f"<= shards ({shards})")
    row("items read", new.items_read, old.items_read, "items", f"<= {shards * len(DAYS)}")
    row("read units (RCU)", new.read_units, old.read_units, "RCU", "O(days), not O(keys x days)")
    row(f"time (median of {READS})", new_ms, old_ms, "ms")
    print(f"\nBackfill of those totals (latchkey migrate usage-totals, {done.tenant_days} days)")
    row("  requests (one Scan + batch writes)", backfill.requests, None, "requests")
    row("  items scanned", done.scanned, None, "items", f"= per-key items ({KEYS * len(DAYS)})")
    row("  read units", backfill.read_units, None, "RCU")
    row("  write units", backfill.write_units, None, "WCU", f"shards x days ({shards * len(DAYS)})")
    row("  time", backfill_ms, None, "ms")


class Monotonic:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def hot_key_lines(settings: Settings, client: Any) -> None:
    made = build_services(settings).tenants.bootstrap("hot")
    event = {"type": "TOKEN", "authorizationToken": made.issued.token, "methodArn": ARN}
    session = new_session()
    meter = Meter.on(session)
    results = {}
    for seconds in (settings.scale.key_cache_seconds, 0.0):
        tick = Monotonic()
        store = HotStore(settings, lambda: dynamodb_client(settings, session))
        runtime = build_runtime(
            # Groups cached past the run: every read after the first is the key's.
            replace(
                settings,
                scale=replace(settings.scale, key_cache_seconds=seconds, group_cache_seconds=3600),
            ),
            store=store,
            telemetry=SINK,
            monotonic=tick,
        )
        with meter.measure() as used:
            for _ in range(HOT_DECISIONS):
                authorize(event, runtime)
                tick.now += SIMULATED_SECONDS / HOT_DECISIONS
        results[seconds] = (store.reads, used.read_units)
    ttl = settings.scale.key_cache_seconds
    periods = SIMULATED_SECONDS / ttl
    (cached_reads, cached_rcu), (plain_reads, plain_rcu) = results[ttl], results[0.0]
    header(
        f"Hot key: {HOT_DECISIONS} decisions on one key in one container over "
        f"{SIMULATED_SECONDS:.0f} simulated s (LATCHKEY_KEY_CACHE_SECONDS={ttl:g})",
        "cache on",
        "off",
    )
    row("DynamoDB reads (key + group)", cached_reads, plain_reads, "reads")
    row("key reads per cache period", (cached_reads - 1) / periods, None, "reads", "<= 1")
    row("read units consumed", cached_rcu, plain_rcu, "RCU")
    # A 20,000-call/s key: each warm container reads it once per period. With Lambda's
    # concurrency at ~20,000 x 10 ms = 200 containers, that is 200 / ttl reads a second.
    per_read = cached_rcu / max(cached_reads, 1)
    row(
        "one 20k/s key over 200 containers",
        200 / ttl * per_read,
        20000 * per_read,
        "RCU/s",
        "<= 3,000 (one partition)",
    )


def main() -> None:
    with bench_tables() as settings:
        client = local_client(str(settings.dynamodb.endpoint))
        usage_lines(settings, client)
        hot_key_lines(settings, client)


if __name__ == "__main__":
    main()
