"""The setup every ``make bench`` script shares: tables, fresh processes, samples and rows.

A benchmark reads as what it measures; this module holds the rest::

    with bench_tables() as settings:                 # DynamoDB Local, this run's tables
        (a bench that needs several sets of tables: ``with local_dynamodb() as endpoint:``
        and ``new_tables(endpoint)`` for each)
        made = build_services(settings).tenants.bootstrap("bench")
        runs = [run_fresh(COLD, [arg], env_for(settings)) for _ in range(COLD_RUNS)]
    header("Management API on DynamoDB Local", "latchkey", "floor")
    row("cold start", median_ms(runs, "seconds"), floor_ms, "ms", "ratio <= 1.5")

Fresh processes run the code as a Lambda container would: the package ``make package``
builds carries compiled bytecode (scripts/compile_package.py), so ``compile_sources`` writes
it here too before anything is timed; a process compiling modules from source would measure
the compiler, not Latchkey. Tooling only: nothing in ``chalicelib`` may import this module.
"""

from __future__ import annotations

import compileall
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import cache
from typing import Any, TypeVar

from chalicelib.config.settings import Settings
from scripts.capacity import Meter, Usage
from scripts.dynamodb_local import REPO_ROOT, DynamoDBLocal

T = TypeVar("T")

PEPPER = "bench-pepper"
# Bench tables take the run's suffix: several runs (and helpers) share one machine.
TABLES = (
    "keys_table",
    "groups_table",
    "tenants_table",
    "usage_table",
    "idempotency_table",
    "audit_table",
    "platform_keys_table",
)
# Settings read from the environment by a fresh process (chalicelib/config/settings.py).
ENVIRONMENT = {
    "key_prefix": "LATCHKEY_KEY_PREFIX",
    "keys_table": "LATCHKEY_KEYS_TABLE",
    "groups_table": "LATCHKEY_GROUPS_TABLE",
    "tenants_table": "LATCHKEY_TENANTS_TABLE",
    "usage_table": "LATCHKEY_USAGE_TABLE",
    "idempotency_table": "LATCHKEY_IDEMPOTENCY_TABLE",
    "audit_table": "LATCHKEY_AUDIT_TABLE",
    "platform_keys_table": "LATCHKEY_PLATFORM_KEYS_TABLE",
    "dynamodb_endpoint": "LATCHKEY_DYNAMODB_ENDPOINT",
}


def use_local_credentials() -> None:
    """Credentials and region for DynamoDB Local, which takes any: a developer's real ones
    must not be needed (nor used)."""
    os.environ["AWS_ACCESS_KEY_ID"] = "bench"
    os.environ["AWS_SECRET_ACCESS_KEY"] = "bench"  # noqa: S105 - DynamoDB Local takes any
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")


def bench_settings(endpoint: str, **overrides: Any) -> Settings:
    """Settings for one run: its own tables on ``endpoint``, a fixed pepper, ``overrides``."""
    suffix = uuid.uuid4().hex[:8]
    base = Settings(
        stage="bench",
        key_prefix="lk_test",
        dynamodb_endpoint=endpoint,
        local_peppers={1: PEPPER.encode()},
    )
    tables = {name: f"bench-{name.removesuffix('_table')}-{suffix}" for name in TABLES}
    return replace(base, **(tables | overrides))


@contextmanager
def local_dynamodb() -> Iterator[str]:
    """DynamoDB Local, with local credentials, for the length of the block: its endpoint."""
    use_local_credentials()
    with DynamoDBLocal() as db:
        yield db.endpoint


def local_client(endpoint: str) -> Any:
    """A boto3 DynamoDB client of ``endpoint`` (call ``use_local_credentials`` first)."""
    import boto3

    return boto3.client("dynamodb", endpoint_url=endpoint)


def new_tables(endpoint: str, **overrides: Any) -> Settings:
    """A new set of this run's tables, created on ``endpoint``; settings naming them."""
    from chalicelib.storage.schema import create_tables

    settings = bench_settings(endpoint, **overrides)
    create_tables(local_client(endpoint), settings)
    return settings


@contextmanager
def bench_tables(**overrides: Any) -> Iterator[Settings]:
    """DynamoDB Local with this run's tables created, for the length of the block."""
    with local_dynamodb() as endpoint:
        yield new_tables(endpoint, **overrides)


def env_for(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment of a fresh process configured as ``settings`` (plus ``extra``)."""
    env = {**os.environ, "LATCHKEY_PEPPERS": f"1:{PEPPER}", "PYTHONDONTWRITEBYTECODE": ""}
    for field, name in ENVIRONMENT.items():
        env[name] = str(getattr(settings, field) or "")
    return env | extra


@cache
def compile_sources() -> None:
    """Write bytecode for app.py and chalicelib, as the deployed package carries it."""
    compileall.compile_file(str(REPO_ROOT / "app.py"), quiet=1)
    compileall.compile_dir(str(REPO_ROOT / "chalicelib"), quiet=1)


def run_fresh(code: str, args: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run ``code`` in a new interpreter; its last stdout line is JSON, returned parsed."""
    compile_sources()
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


def median_ms(runs: list[dict[str, Any]], field: str) -> float:
    """The median of ``field`` (seconds) over fresh runs, in milliseconds."""
    return statistics.median(float(run[field]) for run in runs) * 1000


def metered(meter: Meter, call: Callable[[], T], runs: int = 1) -> tuple[T, Usage, float]:
    """``call``'s answer and capacity used (its first run), and the median ms of ``runs``."""
    times = []
    with meter.measure() as used:
        start = time.perf_counter()
        answer = call()
        times.append((time.perf_counter() - start) * 1000)
    for _ in range(runs - 1):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return answer, used, statistics.median(times)


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def interleaved(
    ours: Callable[[], object], floor: Callable[[], object], calls: int
) -> tuple[list[float], list[float]]:
    """Time the two calls alternately, so drift in the machine's load hits both alike."""
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(calls):
        for call, into in ((ours, samples[0]), (floor, samples[1])):
            start = time.perf_counter()
            call()
            into.append(time.perf_counter() - start)
    return samples


def header(title: str, ours: str = "latchkey", floor: str = "floor") -> None:
    print(f"\n{title}\n")
    print(f"{'figure':<38}{ours:>10}{floor:>10}  {'ratio':>6}  {'unit':<10}target")


def row(name: str, ours: float, floor: float | None, unit: str, target: str = "") -> None:
    ratio = f"{ours / floor:6.2f}" if floor else "     -"
    floor_text = f"{floor:10.4g}" if floor is not None else "         -"
    print(f"{name:<38}{ours:10.4g}{floor_text}  {ratio}  {unit:<10}{target}")
