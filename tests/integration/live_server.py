"""Runs ``tests/integration/live_api.py`` in its own process on this session's tables.

The console's browser tests, schemathesis and the OAuth client test each need the API
served over HTTP as ``chalice local`` serves it; this starts that server with the
environment naming the session's tables, waits until it answers, and stops it after.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest

from chalicelib.config.settings import Settings
from scripts.dynamodb_local import REPO_ROOT
from scripts.processes import stop_process

STARTUP_SECONDS = 30.0


def table_environment(settings: Settings) -> dict[str, str]:
    """The ``LATCHKEY_*`` settings of this session's tables, its pepper and its region."""
    peppers = ",".join(
        f"{v}:{pepper.decode()}" for v, pepper in settings.keys.local_peppers.items()
    )
    return {
        "LATCHKEY_STAGE": settings.stage,
        "LATCHKEY_KEY_PREFIX": settings.keys.prefix,
        "LATCHKEY_DYNAMODB_ENDPOINT": settings.dynamodb.endpoint or "",
        "LATCHKEY_PEPPERS": peppers,
        "LATCHKEY_KEYS_TABLE": settings.dynamodb.keys_table,
        "LATCHKEY_GROUPS_TABLE": settings.dynamodb.groups_table,
        "LATCHKEY_TENANTS_TABLE": settings.dynamodb.tenants_table,
        "LATCHKEY_USAGE_TABLE": settings.dynamodb.usage_table,
        "LATCHKEY_IDEMPOTENCY_TABLE": settings.dynamodb.idempotency_table,
        "LATCHKEY_AUDIT_TABLE": settings.dynamodb.audit_table,
        "LATCHKEY_PLATFORM_KEYS_TABLE": settings.platform.keys_table,
        "AWS_DEFAULT_REGION": settings.region,
    }


def wait_until_serving(process: subprocess.Popen[bytes], log: Path, ready_path: str) -> str:
    """The URL the server printed, once ``ready_path`` answers; fails with its output."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{log.read_text()}")
        printed = re.search(r"^serving (http://\S+)$", log.read_text(), re.MULTILINE)
        if printed:
            try:
                with urllib.request.urlopen(f"{printed[1]}{ready_path}", timeout=5):  # noqa: S310
                    return printed[1]
            except OSError:
                pass
        time.sleep(0.2)
    pytest.fail(f"the server did not answer within {STARTUP_SECONDS} s:\n{log.read_text()}")


@contextmanager
def live_server(
    settings: Settings,
    log: Path,
    extra: Mapping[str, str],
    ready_path: str = "/openapi.json",
) -> Iterator[str]:
    """The API served on ``settings``' tables (plus ``extra`` settings); yields its URL.

    Everything it prints goes to ``log``, which tests search for secrets.
    """
    env = {**os.environ, **table_environment(settings), **extra}
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.live_api"],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield wait_until_serving(process, log, ready_path)
    finally:
        stop_process(process)
