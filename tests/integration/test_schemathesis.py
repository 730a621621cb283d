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
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from chalicelib.config.settings import Settings
from chalicelib.storage.models import table_names
from chalicelib.wiring.services import build_services
from tests.conftest import Counters
from tests.fake_github import FakeGitHub
from tests.fake_issuer import AUDIENCE, ISSUER, Issuer
from tests.integration.live_server import live_server
from tests.support.secrets import secret_part

ST = Path(sys.executable).parent / "st"
CONFIG = Path(__file__).with_name("schemathesis.toml")
# Per operation and phase. A fixed seed: a failure in CI replays with the same command.
EXAMPLES_PER_OPERATION = 100
SEED = 20261124
REQUEST_SECONDS = 60  # schemathesis's default of 10 s is tight on a loaded 2-core runner
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


def server_environment(jwks: Path) -> dict[str, str]:
    """The fake issuer's settings, and a fake GitHub's key list for leaked keys."""
    return {
        "LATCHKEY_OIDC_ISSUER": ISSUER,
        "LATCHKEY_OIDC_AUDIENCE": AUDIENCE,
        "LATCHKEY_OIDC_JWKS_URL": jwks.as_uri(),
        # Leaked keys: a fake GitHub's key list, so no request leaves the machine.
        "LATCHKEY_GITHUB_KEYS_URL": FakeGitHub(jwks.parent).url,
    }


@pytest.fixture
def live_api(local_settings: Settings, tmp_path: Path) -> Iterator[LiveApi]:
    """A tenant, a person who manages it, and the API served for them."""
    tenant = f"st-{uuid.uuid4().hex[:12]}"
    build_services(local_settings).tenants.bootstrap(tenant)
    issuer = Issuer()
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(issuer.document()))
    token = issuer.token(lambda: datetime.now(UTC), **{"custom:tenant": tenant})
    log = tmp_path / "server.log"
    with live_server(local_settings, log, server_environment(jwks)) as url:
        yield LiveApi(url, token, log)


# How schemathesis presents each credential: a securityScheme of the document and its field.
SCHEMES = {"Bearer": "bearer", "ApiKey": "api_key"}


def schemathesis(
    api: LiveApi, tmp_path: Path, scheme: str, credential: str, *options: str, shown: bool = False
) -> Run:
    """``st run`` against the live document; what it printed and every exchange it made.

    The credential is named for its security scheme (not sent as a plain header), so
    schemathesis knows the request is authenticated and does not add the other scheme's.
    ``shown``: the report keeps header values (schemathesis hides them by default).
    """
    config = tmp_path / f"{scheme}.toml"
    section = f'[auth.openapi.{scheme}]\n{SCHEMES[scheme]} = "${{LATCHKEY_ST_CREDENTIAL}}"\n'
    if shown:
        section += "[output.sanitization]\nenabled = false\n"
    config.write_text(f"{CONFIG.read_text()}\n{section}")
    har = tmp_path / f"{scheme}.har"
    command = [str(ST), "--config-file", str(config), "run", f"{api.url}/openapi.json"]
    # No example database: the run depends on the seed alone, here as in a fresh clone.
    command += ["--seed", str(SEED), "--generation-database", "none", "--no-color"]
    command += ["--request-timeout", str(REQUEST_SECONDS), *options]
    command += ["--report", "har", "--report-har-path", str(har)]
    result = subprocess.run(
        command,
        cwd=tmp_path,
        env={**os.environ, "LATCHKEY_ST_CREDENTIAL": credential},
        capture_output=True,
        text=True,
        timeout=RUN_SECONDS,
        check=False,
    )
    output = result.stdout + result.stderr
    if not har.exists():
        pytest.fail(f"schemathesis wrote no report (exit {result.returncode}):\n{output}")
    exchanges: list[dict[str, Any]] = json.loads(har.read_text())["log"]["entries"]
    return Run(result.returncode, output, exchanges)


def call(
    api: LiveApi, method: str, path: str, body: Any = None, key: str | None = None
) -> dict[str, Any]:
    """One request as the person (or as ``key``); fails unless it succeeds."""
    credential = {"X-API-Key": key} if key else {"Authorization": f"Bearer {api.token}"}
    request = urllib.request.Request(  # noqa: S310 - the local server
        f"{api.url}{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={**credential, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        answer: dict[str, Any] = json.load(response)
        return answer


@dataclass(frozen=True)
class Documented:
    """One operation of the document, and whether an exchange was a call to it."""

    method: str
    path: re.Pattern[str]
    public: bool

    def called_by(self, exchange: dict[str, Any]) -> bool:
        request = exchange["request"]
        path = "/" + request["url"].split("/", 3)[3]
        return request["method"] == self.method and bool(self.path.match(path))


def operations(api: LiveApi) -> list[Documented]:
    """The operations of the document the server serves, which schemathesis read too."""
    with urllib.request.urlopen(f"{api.url}/openapi.json", timeout=10) as response:  # noqa: S310
        paths: dict[str, dict[str, Any]] = json.load(response)["paths"]
    found = []
    for path, methods in paths.items():
        regex = re.compile("^" + re.sub(r"\{\w+\}", "[^/]+", path) + r"(\?.*)?$")
        for method, entry in methods.items():
            found.append(Documented(method.upper(), regex, entry.get("security") == []))
    return found


def issued_secrets(run: Run) -> list[tuple[int, str]]:
    """(exchange index, secret) for every secret a create or rotate answered with."""
    found = []
    for index, exchange in enumerate(run.exchanges):
        text = exchange["response"]["content"].get("text") or ""
        if '"secret"' not in text:
            continue
        body = json.loads(text)
        if isinstance(body, dict) and isinstance(body.get("secret"), str):
            found.append((index, body["secret"]))
    return found


def every_item(dynamodb_client: Any, settings: Settings) -> str:
    """Every item of every table, as one JSON text."""
    tables = table_names(settings).values()
    pages = dynamodb_client.get_paginator("scan")
    items = [item for t in tables for page in pages.paginate(TableName=t) for item in page["Items"]]
    return json.dumps(items)


def leaks(run: Run, stored: str, server_log: str) -> list[str]:
    """Where a secret appears but in the one response that issued it."""
    found = []
    for issuer_index, token in issued_secrets(run):
        secret = secret_part(token)
        if secret in stored:
            found.append(f"a secret issued by exchange {issuer_index} is in a table")
        if secret in server_log:
            found.append(f"a secret issued by exchange {issuer_index} is in the server's log")
        for index, exchange in enumerate(run.exchanges):
            text = exchange["response"]["content"].get("text") or ""
            if index != issuer_index and secret in text:
                found.append(f"a secret issued by exchange {issuer_index} is in answer {index}")
    return found


def sent_headers(exchange: dict[str, Any]) -> dict[str, str]:
    return {header["name"].lower(): header["value"] for header in exchange["request"]["headers"]}


def count(reliability: Counters, run: Run) -> None:
    reliability.hostile += len(run.exchanges)
    reliability.five_xx += sum(status >= 500 for status in run.statuses())


@pytest.mark.long
def test_every_operation_passes_every_schemathesis_check_with_no_5xx_and_no_leak(
    live_api: LiveApi,
    tmp_path: Path,
    reliability: Counters,
    dynamodb_client: Any,
    local_settings: Settings,
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
    stored, server_log = every_item(dynamodb_client, local_settings), live_api.log.read_text()
    found = leaks(run, stored, server_log)
    # The server's JSON log lines and EMF metrics are part of the searched log;
    # no stored secret hash may appear in them either.
    assert ': request","' in server_log  # "request <id>: request"
    hashes = re.findall(r'"secret_hash": \{"S": "([^"]+)"', stored)
    found += [f"secret hash {h[:8]}... in the server's log" for h in hashes if h in server_log]
    reliability.secret_hits += len(found)
    assert [s for s in run.statuses() if s >= 500] == [], run.failure_report()
    assert run.exit_code == 0, run.failure_report()
    assert len(issued_secrets(run)) >= 10  # creates and rotations succeeded, so were searched
    assert found == []
    # Not a run of 401s: every operation was also answered with success at least once.
    succeeded = [e for e in run.exchanges if e["response"]["status"] < 300]
    documented = operations(live_api)
    assert len(documented) >= 15  # keys, groups, verify, usage and audit: none went missing
    never = [op for op in documented if not any(op.called_by(e) for e in succeeded)]
    # Leaked keys: only GitHub's private key signs a body this endpoint accepts, so every
    # generated call is a 401; tests/functional/leaks/test_github.py signs and succeeds.
    never = [op for op in never if not op.path.match("/v1/secret-scanning/github")]
    # The platform API: this run's credential is a tenant's person, which a platform route
    # always refuses (403); tests/functional/test_platform_api.py calls each as a platform key.
    never = [op for op in never if not op.path.pattern.startswith("^/v1/platform/")]
    assert never == []
    assert len(run.exchanges) >= EXAMPLES_PER_OPERATION * len(documented)


@pytest.mark.long
def test_a_revoked_key_opens_no_operation(
    live_api: LiveApi, tmp_path: Path, reliability: Counters
) -> None:
    groups = call(live_api, "GET", "/v1/groups")["groups"]
    made = call(live_api, "POST", "/v1/keys", {"name": "Soon revoked", "group_id": groups[0]["id"]})
    assert call(live_api, "GET", "/v1/keys", key=made["secret"])["keys"]  # it worked
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
        shown=True,
    )
    count(reliability, run)
    assert [s for s in run.statuses() if s >= 500] == [], run.failure_report()
    documented = operations(live_api)
    guarded = [op for op in documented if not op.public]
    assert len(guarded) >= 14
    calls = [e for e in run.exchanges if any(op.called_by(e) for op in guarded)]
    opened = [(e["request"]["method"], e["request"]["url"], e["response"]["status"]) for e in calls]
    assert [call for call in opened if call[2] != 401] == []
    # Schemathesis also tries the other scheme, and made-up keys; count only the calls that
    # presented the revoked key alone. Each guarded operation must have met it often.
    revoked = [e for e in calls if sent_headers(e).get("x-api-key") == made["secret"]]
    alone = [e for e in revoked if "authorization" not in sent_headers(e)]
    met = {op.method + op.path.pattern: sum(op.called_by(e) for e in alone) for op in guarded}
    assert min(met.values()) >= 10, met
    # Calls to no documented operation (other methods) meet the router: 405, or chalice
    # local's answer to a CORS preflight (an empty 200; API Gateway's differs).
    strays = [e for e in run.exchanges if not any(op.called_by(e) for op in documented)]
    preflight = {("OPTIONS", 200)}
    answered = {(e["request"]["method"], e["response"]["status"]) for e in strays}
    assert {pair for pair in answered if pair[1] != 405} <= preflight


def test_the_leak_search_finds_a_secret_outside_the_answer_that_issued_it() -> None:
    secret = "lk_test_AAAAAAAAAAAAAAAA_" + "s" * 43 + "crc123"
    issued = {"response": {"content": {"text": json.dumps({"key": {}, "secret": secret})}}}
    echoed = {"response": {"content": {"text": json.dumps({"name": secret})}}}
    clean = Run(0, "", [issued])
    assert leaks(clean, stored="[]", server_log="") == []
    assert len(leaks(Run(0, "", [issued, echoed]), stored="[]", server_log="")) == 1
    assert len(leaks(clean, stored=json.dumps({"s": secret}), server_log=secret)) == 2
