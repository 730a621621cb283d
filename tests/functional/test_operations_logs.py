"""The management API's log line and metrics per request (Powertools), on stdout as Lambda
writes them: one JSON log line naming the route template, status, duration, request id,
tenant and key; and EMF metrics by route and status class, never by tenant or key."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.wiring.services import Services
from tests.functional.faults import DYNAMODB_FAULTS, FaultPlan
from tests.support.api import Api, Tenant
from tests.support.secrets import secret_part

THROTTLING = next(fault for fault in DYNAMODB_FAULTS if fault.name == "throttling")


@pytest.fixture
def services(faults: FaultPlan, services: Services) -> Services:
    """The moto services, built after the fault plan so every client consults it."""
    return services


def printed(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    out = capsys.readouterr().out
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def requests(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # "request", prefixed with the request's id by chalicelib/api/request_ids.py.
    return [line for line in lines if str(line.get("message")).endswith("request")]


def metric(lines: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [line for line in lines if name in line and "_aws" in line]


def key_id_of(tenant: Tenant) -> str:
    return tenant.token.split("_")[2]


def test_each_request_writes_one_log_line_with_who_what_and_how_long(
    api: Api, acme: Tenant, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    answers = [api.call("GET", "/v1/keys"), api.call("GET", "/v1/keys/kNoSuchKey000000")]

    listed, missing = requests(printed(capsys))
    for line, answer in zip((listed, missing), answers, strict=True):
        assert line["request_id"] == answer.headers["X-Request-Id"]
    assert (listed["route"], listed["status"], listed["outcome"]) == ("GET /v1/keys", 200, "2xx")
    assert (missing["route"], missing["status"]) == ("GET /v1/keys/{key_id}", 404)
    for line in (listed, missing):
        assert (line["level"], line["service"], line["function"]) == ("INFO", "latchkey-api", "api")
        assert (line["tenant_id"], line["key_id"]) == (acme.tenant_id, key_id_of(acme))
        assert line["duration_ms"] > 0
        assert acme.token not in json.dumps(line)


def test_requests_are_counted_by_route_and_status_class_never_by_tenant_or_key(
    api: Api, acme: Tenant, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    api.call("GET", "/v1/keys/kNoSuchKey000000")

    lines = printed(capsys)
    (counted,) = metric(lines, "ApiRequests")
    (rate,) = metric(lines, "ApiServerErrors")
    (directive,) = counted["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "Latchkey"
    assert set(directive["Dimensions"][0]) == {"service", "Route", "StatusClass"}
    assert (counted["Route"], counted["StatusClass"]) == ("GET /v1/keys/{key_id}", "4xx")
    assert rate["ApiServerErrors"] == [0.0]
    for line in (counted, rate):
        assert acme.tenant_id not in json.dumps(line["_aws"])
        assert key_id_of(acme) not in json.dumps(line)


def test_a_throttled_store_is_a_5xx_logged_as_an_error_and_counted_as_a_throttle(
    api: Api, acme: Tenant, faults: FaultPlan, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    faults.arm("dynamodb", THROTTLING)
    status = api.call("GET", "/v1/keys").status_code
    faults.disarm()

    lines = printed(capsys)
    (line,) = requests(lines)
    (rate,) = metric(lines, "ApiServerErrors")
    assert status == line["status"] == 503
    assert (line["level"], line["outcome"], line["error"]) == ("ERROR", "5xx", "StorageUnavailable")
    assert rate["ApiServerErrors"] == [1.0]
    assert rate["DynamoDBThrottles"] == [1.0]


def test_verify_writes_the_authorizers_decision_line_for_the_api(
    api: Api, acme: Tenant, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    api.as_key(None).call("POST", "/v1/verify", {"key": acme.token})

    (decision,) = [line for line in printed(capsys) if line.get("message") == "decision"]
    assert (decision["service"], decision["Outcome"], decision["Decisions"]) == (
        "latchkey-api",
        "VALID",
        1,
    )
    assert decision["key_id"] == key_id_of(acme)
    assert secret_part(acme.token) not in json.dumps(decision)


@pytest.mark.parametrize(
    ("method", "path", "route"),
    [
        ("GET", "/openapi.json", "GET /openapi.json"),
        ("GET", "/docs", "GET /docs"),
        ("GET", "/console", "GET /console"),
        ("GET", "/console/app.js", "GET /console/{name}"),
        ("GET", "/.well-known/jwks.json", "GET /.well-known/jwks.json"),
        ("GET", "/.well-known/openid-configuration", "GET /.well-known/openid-configuration"),
        ("POST", "/oauth2/token", "POST /oauth2/token"),
    ],
)
def test_every_route_outside_v1_writes_its_request_line_and_metrics(
    api: Api, capsys: pytest.CaptureFixture[str], method: str, path: str, route: str
) -> None:
    capsys.readouterr()
    answer = api.client.http.request(method, path, headers={}, body=b"")

    lines = printed(capsys)
    (line,) = requests(lines)
    assert (line["route"], line["status"]) == (route, answer.status_code)
    assert line["request_id"] == answer.headers["X-Request-Id"]
    (counted,) = metric(lines, "ApiRequests")
    assert counted["Route"] == route
    assert len(metric(lines, "ApiServerErrors")) == 1
