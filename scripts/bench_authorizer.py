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
  own (issue 13).
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from chalicelib.authorizer.handler import Unauthorized, authorize
from chalicelib.authorizer.runtime import build_runtime
from chalicelib.container import build_services
from chalicelib.observability.decisions import DecisionTelemetry
from chalicelib.observability.metrics import AUTHORIZER
from chalicelib.settings import Settings
from chalicelib.storage.schema import create_tables
from scripts.dynamodb_local import REPO_ROOT, DynamoDBLocal

COLD_RUNS = 7
# Each decision writes its JSON + EMF line, as in Lambda; here to /dev/null, not the terminal
# (the write is still made, so its cost is in the figures).
SINK = DecisionTelemetry(AUTHORIZER, "authorizer", open(os.devnull, "w").write)  # noqa: SIM115
WARM_CALLS = 2000
ARN = "arn:aws:execute-api:us-east-1:123456789012:bench/prod/GET/orders/7"

COLD_LATCHKEY = """
import time; start = time.perf_counter()
import json, sys
import app
imported = time.perf_counter() - start
event = json.loads(sys.argv[1])
app.authorizer(event, None)
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "import": imported, "modules": sorted(sys.modules)}))
"""

COLD_FLOOR = """
import time; start = time.perf_counter()
import hashlib, hmac, json, sys
import botocore.session
imported = time.perf_counter() - start
endpoint, table, key_id = sys.argv[1:4]
client = botocore.session.get_session().create_client(
    "dynamodb", region_name="us-east-1", endpoint_url=endpoint)
client.get_item(TableName=table, Key={"key_id": {"S": key_id}}, ConsistentRead=True)
hmac.new(b"pepper", b"secret", hashlib.sha256).hexdigest()
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "import": imported, "modules": sorted(sys.modules)}))
"""


def env_for(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "LATCHKEY_ROLE": "authorizer",
        "LATCHKEY_KEY_PREFIX": settings.key_prefix,
        "LATCHKEY_KEYS_TABLE": settings.keys_table,
        "LATCHKEY_GROUPS_TABLE": settings.groups_table,
        "LATCHKEY_TENANTS_TABLE": settings.tenants_table,
        "LATCHKEY_USAGE_TABLE": settings.usage_table,
        "LATCHKEY_DYNAMODB_ENDPOINT": settings.dynamodb_endpoint or "",
        "LATCHKEY_PEPPERS": "1:bench-pepper",
        "PYTHONDONTWRITEBYTECODE": "",
    }


def run_fresh(code: str, args: list[str], env: dict[str, str]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def interleaved(
    ours: Callable[[], object], floor: Callable[[], object]
) -> tuple[list[float], list[float]]:
    """Time the two calls alternately, so drift in the machine's load hits both alike."""
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(WARM_CALLS):
        for call, into in ((ours, samples[0]), (floor, samples[1])):
            start = time.perf_counter()
            call()
            into.append(time.perf_counter() - start)
    return samples


def row(name: str, ours: float, floor: float | None, unit: str, target: str = "") -> None:
    ratio = f"{ours / floor:6.2f}" if floor else "     -"
    floor_text = f"{floor:10.4g}" if floor is not None else "         -"
    print(f"{name:<38}{ours:10.4g}{floor_text}  {ratio}  {unit:<10}{target}")


def main() -> None:
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    with DynamoDBLocal() as db:
        suffix = uuid.uuid4().hex[:8]
        settings = Settings(
            stage="bench",
            key_prefix="lk_test",
            keys_table=f"bench-keys-{suffix}",
            groups_table=f"bench-groups-{suffix}",
            tenants_table=f"bench-tenants-{suffix}",
            usage_table=f"bench-usage-{suffix}",
            dynamodb_endpoint=db.endpoint,
            local_peppers={1: b"bench-pepper"},
        )
        create_tables(boto3.client("dynamodb", endpoint_url=db.endpoint), settings)
        made = build_services(settings).tenants.bootstrap("bench")
        token, key_id = made.issued.token, made.issued.key.key_id
        event = {"type": "TOKEN", "authorizationToken": token, "methodArn": ARN}
        report(settings, event, key_id)


def report(settings: Settings, event: dict[str, Any], key_id: str) -> None:
    env = env_for(settings)
    endpoint = settings.dynamodb_endpoint or ""
    ours, floor = [], []
    for _ in range(COLD_RUNS):  # interleaved, so drift in the machine's load hits both
        ours.append(run_fresh(COLD_LATCHKEY, [json.dumps(event)], env))
        floor.append(run_fresh(COLD_FLOOR, [endpoint, settings.keys_table, key_id], env))
    cold_ours = statistics.median(r["seconds"] for r in ours) * 1000
    cold_floor = statistics.median(r["seconds"] for r in floor) * 1000
    import_ours = statistics.median(r["import"] for r in ours) * 1000
    import_floor = statistics.median(r["import"] for r in floor) * 1000

    # The key cache off: every decision reads its key, as the floor's loop does (issue 13's
    # cache is measured on its own below, and in scripts/bench_usage.py).
    runtime = build_runtime(replace(settings, key_cache_seconds=0), telemetry=SINK)
    store = runtime.store
    authorize(event, runtime)  # warm the container: client, group cache
    client = store.client
    reads_before = store.reads
    warm, floor_warm = interleaved(
        lambda: authorize(event, runtime),
        lambda: client.get_item(
            TableName=settings.keys_table, Key={"key_id": {"S": key_id}}, ConsistentRead=True
        ),
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

    print(f"\nAuthorizer on DynamoDB Local ({WARM_CALLS} warm calls, {COLD_RUNS} cold runs)\n")
    print(f"{'figure':<38}{'latchkey':>10}{'floor':>10}  {'ratio':>6}  {'unit':<10}target")
    row("cold start: import + one decision", cold_ours, cold_floor, "ms", "ratio <= 1.3")
    row("  of which imports", import_ours, import_floor, "ms")
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
