"""Schemathesis against the OpenAPI document of a running server, on DynamoDB Local.

The server is ``tests/integration/live_api.py`` (``chalice local``'s server) in its own
process, on this session's tables. ``st run`` (schemathesis's CLI) reads
``/openapi.json`` and sends every operation generated requests in its coverage, fuzzing
and stateful phases, keeping every exchange in a HAR file:

1. Every check on, as a person holding an OpenID Connect token. Schemathesis also sends
   each request without the credential and with a wrong one (its ``ignored_auth`` check).
   A token, not a key: with a key, the run found that key in ``GET /v1/keys`` and revoked
   it, and every later request was a 401 that tested nothing.
2. Use after revoke: a key made and revoked through the API is the credential; every call
   to an operation that needs one must answer 401.

Any 5xx fails either run. ``schemathesis.toml`` beside this file lists, per operation, the
answers the document cannot express, each with its reason. What this cannot prove: API
Gateway's own behaviour (its answer to undeclared methods, its size limits) or IAM's.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from chalicelib.api.openapi import document
from chalicelib.container import build_services
from chalicelib.settings import Settings
from scripts.dynamodb_local import REPO_ROOT, free_port
from tests.conftest import Counters
from tests.fake_issuer import AUDIENCE, ISSUER, Issuer

ST = Path(sys.executable).parent / "st"
CONFIG = Path(__file__).with_name("schemathesis.toml")
# Per operation and phase. A fixed seed: a failure in CI replays with the same command.
EXAMPLES_PER_OPERATION = 100
SEED = 20261124
STARTUP_SECONDS = 30.0
RUN_SECONDS = 900


@dataclass(frozen=True)
class LiveApi:
    url: str
    token: str  # a person's bearer token, keys:manage in the tenant
    log: Path  # the server's output


@dataclass(frozen=True)
class Run:
    exit_code: int
    output: str
    exchanges: list[dict[str, Any]]

    def failure_report(self) -> str:
        """Schemathesis's own account of what failed (its output from FAILURES on)."""
        start = self.output.find("FAILURES")
        return self.output[start:] if start >= 0 else self.output[-5000:]

    def statuses(self) -> list[int]:
        return [exchange["response"]["status"] for exchange in self.exchanges]


def server_environment(settings: Settings, jwks: Path) -> dict[str, str]:
    """The environment naming this session's tables, its pepper and the fake issuer."""
    peppers = ",".join(f"{v}:{pepper.decode()}" for v, pepper in settings.local_peppers.items())
    return {
        **os.environ,
        "LATCHKEY_STAGE": settings.stage,
        "LATCHKEY_KEY_PREFIX": settings.key_prefix,
        "LATCHKEY_DYNAMODB_ENDPOINT": settings.dynamodb_endpoint or "",
        "LATCHKEY_PEPPERS": peppers,
        "LATCHKEY_KEYS_TABLE": settings.keys_table,
        "LATCHKEY_GROUPS_TABLE": settings.groups_table,
        "LATCHKEY_TENANTS_TABLE": settings.tenants_table,
        "LATCHKEY_USAGE_TABLE": settings.usage_table,
        "LATCHKEY_IDEMPOTENCY_TABLE": settings.idempotency_table,
        "LATCHKEY_AUDIT_TABLE": settings.audit_table,
        "LATCHKEY_OIDC_ISSUER": ISSUER,
        "LATCHKEY_OIDC_AUDIENCE": AUDIENCE,
        "LATCHKEY_OIDC_JWKS_URL": jwks.as_uri(),
        "AWS_DEFAULT_REGION": settings.region,
    }


def wait_until_serving(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/openapi.json", timeout=2):  # noqa: S310
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"the server did not answer within {STARTUP_SECONDS} s:\n{log.read_text()}")


@pytest.fixture
def live_api(local_settings: Settings, tmp_path: Path) -> Iterator[LiveApi]:
    """A tenant, a person who manages it, and the API served for them on a free port."""
    tenant = f"st-{free_port()}"
    build_services(local_settings).tenants.bootstrap(tenant)
    issuer = Issuer()
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(issuer.document()))
    token = issuer.token(lambda: datetime.now(UTC), **{"custom:tenant": tenant})
    url = f"http://127.0.0.1:{free_port()}"
    log = tmp_path / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.live_api", url.rsplit(":", 1)[1]],
            cwd=REPO_ROOT,
            env=server_environment(local_settings, jwks),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_serving(url, process, log)
        yield LiveApi(url, token, log)
    finally:
        process.terminate()
        process.wait(timeout=10)


# How schemathesis presents each credential: a securityScheme of the document and its field.
SCHEMES = {"Bearer": "bearer", "ApiKey": "api_key"}


def schemathesis(api: LiveApi, tmp_path: Path, scheme: str, credential: str, *options: str) -> Run:
    """``st run`` against the live document; what it printed and every exchange it made.

    The credential is named for its security scheme (not sent as a plain header), so
    schemathesis knows the request is authenticated and does not add the other scheme's.
    """
    config = tmp_path / f"{scheme}.toml"
    section = f'[auth.openapi.{scheme}]\n{SCHEMES[scheme]} = "${{LATCHKEY_ST_CREDENTIAL}}"\n'
    config.write_text(f"{CONFIG.read_text()}\n{section}")
    har = tmp_path / f"{scheme}.har"
    command = [str(ST), "--config-file", str(config), "run", f"{api.url}/openapi.json"]
    command += ["--seed", str(SEED), "--no-color", *options]
    command += ["--report", "har", "--report-har-path", str(har)]
    result = subprocess.run(
        command,
        cwd=REPO_ROOT,
        env={**os.environ, "LATCHKEY_ST_CREDENTIAL": credential},
        capture_output=True,
        text=True,
        timeout=RUN_SECONDS,
        check=False,
    )
    exchanges: list[dict[str, Any]] = json.loads(har.read_text())["log"]["entries"]
    return Run(result.returncode, result.stdout + result.stderr, exchanges)


def call(api: LiveApi, method: str, path: str, body: Any = None) -> dict[str, Any]:
    request = urllib.request.Request(  # noqa: S310 - the local server
        f"{api.url}{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {api.token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        answer: dict[str, Any] = json.load(response)
        return answer


def operations() -> list[tuple[str, re.Pattern[str], bool]]:
    """Every documented operation: method, a regex of its path, and whether it is public."""
    found = []
    for path, methods in document()["paths"].items():
        regex = re.compile("^" + re.sub(r"\{\w+\}", "[^/]+", path) + r"(\?.*)?$")
        for method, entry in methods.items():
            found.append((method.upper(), regex, entry.get("security") == []))
    return found


def operation_of(exchange: dict[str, Any]) -> tuple[str, str, bool] | None:
    request = exchange["request"]
    path = "/" + request["url"].split("/", 3)[3]
    for method, regex, public in operations():
        if method == request["method"] and regex.match(path):
            return method, regex.pattern, public
    return None


def count(reliability: Counters, run: Run) -> None:
    reliability.hostile += len(run.exchanges)
    reliability.five_xx += sum(status >= 500 for status in run.statuses())


@pytest.mark.skipif(not ST.exists(), reason="schemathesis is not installed (make install)")
def test_every_operation_passes_every_schemathesis_check_with_no_5xx(
    live_api: LiveApi, tmp_path: Path, reliability: Counters
) -> None:
    run = schemathesis(
        live_api,
        tmp_path,
        "Bearer",
        live_api.token,
        "--checks",
        "all",
        "--max-examples",
        str(EXAMPLES_PER_OPERATION),
    )
    count(reliability, run)
    assert [s for s in run.statuses() if s >= 500] == [], run.failure_report()
    assert run.exit_code == 0, run.failure_report()
    # Not a run of 401s: every operation was also answered with success at least once.
    succeeded = {operation_of(e) for e in run.exchanges if e["response"]["status"] < 300}
    missing = [op for op in operations() if (op[0], op[1].pattern, op[2]) not in succeeded]
    assert missing == []
    assert len(run.exchanges) >= EXAMPLES_PER_OPERATION * len(operations())


@pytest.mark.skipif(not ST.exists(), reason="schemathesis is not installed (make install)")
def test_a_revoked_key_opens_no_operation(
    live_api: LiveApi, tmp_path: Path, reliability: Counters
) -> None:
    groups = call(live_api, "GET", "/v1/groups")["groups"]
    made = call(live_api, "POST", "/v1/keys", {"name": "Soon revoked", "group_id": groups[0]["id"]})
    call(live_api, "POST", f"/v1/keys/{made['key']['id']}/revoke")
    run = schemathesis(
        live_api,
        tmp_path,
        "ApiKey",
        made["secret"],
        "--checks",
        "not_a_server_error",
        "--max-examples",
        "25",
    )
    count(reliability, run)
    answered = [(operation_of(e), e["response"]["status"]) for e in run.exchanges]
    assert [status for _, status in answered if status >= 500] == [], run.failure_report()
    opened = [(op, status) for op, status in answered if op and not op[2] and status != 401]
    assert opened == []
    assert sum(1 for op, _ in answered if op and not op[2]) >= 25 * (len(operations()) - 1)
