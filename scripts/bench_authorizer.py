"""``make bench``: the authorizer's cold start, warm latency and database calls, on DynamoDB Local.

Each figure is printed beside the floor it is compared with:

- cold start: a fresh process that imports the Lambda entry point (``app.py`` with
  LATCHKEY_ROLE=authorizer, as the deployed authorizer runs) and makes one decision, against
  a fresh process that only imports botocore, builds a DynamoDB client, does one GetItem
  and one HMAC. Medians of several runs; target ratio <= 1.3.
- warm decisions: p50, p99 and decisions/s for a valid key in one process, against a loop
  of bare botocore GetItem calls on the same item. Target ratio <= 1.2.
- database calls per decision: reads for a malformed and for a valid key, and usage writes
  per decision at a steady load on one key (simulated clock: 100 decisions/s for 3 minutes).
  The floor comparisons run with the key cache off (every decision reads its key, like the
  floor); the default, with keys cached for LATCHKEY_KEY_CACHE_SECONDS, is a line of its
  own.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.authorizer.handler import Unauthorized, authorize
from chalicelib.authorizer.runtime import build_runtime
from chalicelib.config.settings import Settings
from chalicelib.observability.decisions import DecisionTelemetry
from chalicelib.observability.metrics import AUTHORIZER
from chalicelib.wiring.services import build_services
from scripts import bench_support
from scripts.bench_support import (
    bench_tables,
    header,
    interleaved,
    median_ms,
    percentile,
    row,
    run_fresh,
    without_key_cache,
)

COLD_RUNS = 7
# Each decision writes its JSON + EMF line, as in Lambda; here to /dev/null, not the terminal
# (the write is still made, so its cost is in the figures).
SINK = DecisionTelemetry(AUTHORIZER, "authorizer", open(os.devnull, "w").write)  # noqa: SIM115
WARM_CALLS = 2000
ARN = "arn:aws:execute-api:us-east-1:123456789012:bench/prod/GET/orders/7"

COLD_LATCHKEY = """
import time; start, cpu = time.perf_counter(), time.process_time()
import json, sys
import app
imported = time.perf_counter() - start
event = json.loads(sys.argv[1])
app.authorizer(event, None)
elapsed = time.perf_counter() - start
cpu = time.process_time() - cpu
modules = sorted(sys.modules)
print(json.dumps({"seconds": elapsed, "import": imported, "cpu": cpu, "modules": modules}))
"""

COLD_FLOOR = """
import time; start, cpu = time.perf_counter(), time.process_time()
import hashlib, hmac, json, sys
import botocore.session
imported = time.perf_counter() - start
endpoint, table, key_id = sys.argv[1:4]
client = botocore.session.get_session().create_client(
    "dynamodb", region_name="us-east-1", endpoint_url=endpoint)
client.get_item(TableName=table, Key={"key_id": {"S": key_id}}, ConsistentRead=True)
hmac.new(b"pepper", b"secret", hashlib.sha256).hexdigest()
elapsed = time.perf_counter() - start
cpu = time.process_time() - cpu
modules = sorted(sys.modules)
print(json.dumps({"seconds": elapsed, "import": imported, "cpu": cpu, "modules": modules}))
"""


def env_for(settings: Settings) -> dict[str, str]:
    """A fresh process deployed as the authorizer's Lambda (LATCHKEY_ROLE=authorizer)."""
    return bench_support.env_for(settings, LATCHKEY_ROLE="authorizer")


def main() -> None:
    with bench_tables() as settings:
        made = build_services(settings).tenants.bootstrap("bench")
        token, key_id = made.issued.token, made.issued.key.key_id
        event = {"type": "TOKEN", "authorizationToken": token, "methodArn": ARN}
        report(settings, event, key_id)


def report(settings: Settings, event: dict[str, Any], key_id: str) -> None:
    env = env_for(settings)
    endpoint = settings.dynamodb.endpoint or ""
    ours, floor = [], []
    for _ in range(COLD_RUNS):  # interleaved, so drift in the machine's load hits both
        ours.append(run_fresh(COLD_LATCHKEY, [json.dumps(event)], env))
        floor.append(run_fresh(COLD_FLOOR, [endpoint, settings.dynamodb.keys_table, key_id], env))
    cold_ours, cold_floor = median_ms(ours, "seconds"), median_ms(floor, "seconds")
    import_ours, import_floor = median_ms(ours, "import"), median_ms(floor, "import")

    # The key cache off: every decision reads its key, as the floor's loop does (the
    # cache is measured on its own below, and in scripts/bench_usage.py).
    runtime = build_runtime(without_key_cache(settings), telemetry=SINK)
    store = runtime.store
    authorize(event, runtime)  # warm the container: client, group cache
    client = store.client
    reads_before = store.reads
    warm, floor_warm = interleaved(
        lambda: authorize(event, runtime),
        lambda: client.get_item(
            TableName=settings.dynamodb.keys_table,
            Key={"key_id": {"S": key_id}},
            ConsistentRead=True,
        ),
        WARM_CALLS,
    )
    reads_valid = (store.reads - reads_before) / WARM_CALLS
    malformed = {**event, "authorizationToken": event["authorizationToken"][:-1] + "!"}
    reads_before = store.reads
    for _ in range(100):
        with contextlib.suppress(Unauthorized):
            authorize(malformed, runtime)
    reads_malformed = (store.reads - reads_before) / 100
    writes_per_decision = steady_writes(settings, event)
    cached = build_runtime(settings, telemetry=SINK)  # the default: keys cached briefly
    authorize(event, cached)
    cached_reads = cached.store.reads
    cached_warm = []
    for _ in range(WARM_CALLS):
        start = time.perf_counter()
        authorize(event, cached)
        cached_warm.append(time.perf_counter() - start)
    cached_reads = cached.store.reads - cached_reads

    header(f"Authorizer on DynamoDB Local ({WARM_CALLS} warm calls, {COLD_RUNS} cold runs)")
    row("cold start: import + one decision", cold_ours, cold_floor, "ms", "ratio <= 1.3")
    row("  of which imports", import_ours, import_floor, "ms")
    row(
        "  CPU time (less the machine's load)",
        median_ms(ours, "cpu"),
        median_ms(floor, "cpu"),
        "ms",
    )
    row(
        "warm decision p50",
        percentile(warm, 50) * 1000,
        percentile(floor_warm, 50) * 1000,
        "ms",
        "ratio <= 1.2",
    )
    row("warm decision p99", percentile(warm, 99) * 1000, percentile(floor_warm, 99) * 1000, "ms")
    row(
        "warm p50, key cache on (default)",
        percentile(cached_warm, 50) * 1000,
        percentile(floor_warm, 50) * 1000,
        "ms",
        "ratio <= 1.2",
    )
    row("warm decisions per second", WARM_CALLS / sum(warm), WARM_CALLS / sum(floor_warm), "1/s")
    row("database reads, malformed key", reads_malformed, None, "per call", "0")
    row("database reads, valid key (cache off)", reads_valid, None, "per call", "1")
    row(
        f"  with the key cache, {WARM_CALLS} calls",
        cached_reads,
        None,
        "reads",
        "<= 1 per LATCHKEY_KEY_CACHE_SECONDS",
    )
    # Each flush: the key's day, one shard of the tenant's day total, last_used_at.
    row("usage writes at 100/s on one key", writes_per_decision, None, "per call", "3 per 6000")
    print_imports(ours[0]["modules"], floor[0]["modules"])


def steady_writes(settings: Settings, event: dict[str, Any]) -> float:
    """Writes per decision at 100 decisions/s on one key for 3 simulated minutes."""
    now = [datetime.now(UTC)]
    runtime = build_runtime(settings, clock=lambda: now[0], telemetry=SINK)
    decisions = 100 * 180
    for _ in range(decisions):
        authorize(event, runtime)
        now[0] += timedelta(milliseconds=10)
    return runtime.store.writes / decisions


def print_imports(ours: list[str], floor: list[str]) -> None:
    extra = sorted({name.split(".")[0] for name in set(ours) - set(floor)})
    print(f"\nModules loaded by the authorizer's cold start: {len(ours)} (floor: {len(floor)})")
    print("Top-level packages beyond the floor's: " + ", ".join(extra))


if __name__ == "__main__":
    main()
