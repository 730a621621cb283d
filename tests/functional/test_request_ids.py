"""Every response names its request in X-Request-Id; its audit events and log lines too.

API Gateway's ``requestContext.requestId`` when the event has one (driven here with
hand-built REST events, as API Gateway sends them); a generated id otherwise, as under
``make dev`` and chalice's test client.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import pytest

from chalicelib.wiring.services import Services
from tests.functional.conftest import json_of
from tests.functional.faults import DYNAMODB_FAULTS, FaultPlan
from tests.support.api import Api, Tenant
from tests.support.proxy_events import GATEWAY_ID, invoke, rest_event


def header(response: dict[str, Any]) -> str:
    headers = {name.lower(): value for name, value in response["headers"].items()}
    value = headers.get("x-request-id")
    assert isinstance(value, str), response
    assert value, response
    return value


@pytest.fixture
def services(faults: FaultPlan, services: Services) -> Services:
    return services


def audit_request_ids(api: Api, action: str) -> list[str | None]:
    """Of the events made through the API (bootstrap's, made by the CLI, have none)."""
    events = json_of(api.call("GET", f"/v1/audit-events?action={action}"))["events"]
    return [event["request_id"] for event in events if event["actor"]["type"] == "key"]


def test_api_gateways_request_id_is_the_header_and_the_audit_events(api: Api, acme: Tenant) -> None:
    event = rest_event("POST", "/v1/groups", {"X-API-Key": acme.token}, {"name": "Readers"})
    response = invoke(event)
    assert response["statusCode"] == 201, response
    assert header(response) == GATEWAY_ID
    assert audit_request_ids(api, "group.created") == [GATEWAY_ID]


def test_without_one_an_id_is_made_and_recorded_in_the_audit_event(api: Api, acme: Tenant) -> None:
    response = api.call("POST", "/v1/groups", {"name": "Readers"})
    assert response.status_code == 201
    made = response.headers["X-Request-Id"]
    assert uuid.UUID(made)
    assert audit_request_ids(api, "group.created") == [made]
    again = api.call("GET", "/v1/groups").headers["X-Request-Id"]
    assert again != made, "one id per request"


def test_a_request_id_that_is_not_an_id_is_replaced(acme: Tenant, api: Api) -> None:
    event = rest_event("GET", "/v1/groups", {"X-API-Key": acme.token}, request_id="a b\nc")
    assert uuid.UUID(header(invoke(event)))


@pytest.mark.parametrize(
    ("method", "path", "body", "token", "status"),
    [
        ("GET", "/v1/keys", None, "none", 401),
        ("GET", "/v1/keys/0123456789abcdef", None, "admin", 404),
        ("POST", "/v1/groups", {"name": ""}, "admin", 422),
        ("POST", "/v1/verify", {"key": "x", "sneaky": 1}, "none", 422),
        ("POST", "/v1/groups", "not json", "admin", 400),
        ("GET", "/openapi.json", None, "none", 200),
    ],
)
def test_every_problem_names_its_request_too(
    api: Api, method: str, path: str, body: Any, token: str, status: int
) -> None:
    caller = api if token == "admin" else api.as_key(None)
    raw = body if isinstance(body, str) else None
    response = caller.call(method, path, None if raw else body, raw=raw)
    assert response.status_code == status, response.body
    assert uuid.UUID(response.headers["X-Request-Id"])
    gateway = invoke(rest_event(method, path, {}, None if raw else body))
    assert header(gateway) == GATEWAY_ID


def test_a_503_names_its_request_and_its_log_line_says_which(
    api: Api, faults: FaultPlan, caplog: pytest.LogCaptureFixture, acme: Tenant
) -> None:
    caplog.set_level(logging.INFO)
    faults.arm("dynamodb", DYNAMODB_FAULTS[1], at=2)  # after authentication's two reads
    response = invoke(rest_event("GET", "/v1/groups", {"X-API-Key": acme.token}))
    faults.disarm()
    assert response["statusCode"] == 503, response
    assert header(response) == GATEWAY_ID
    lines = [record.getMessage() for record in caplog.records if record.name.startswith("chali")]
    assert lines
    assert all(f"request {GATEWAY_ID}:" in line for line in lines), lines
    assert all(getattr(record, "request_id", None) == GATEWAY_ID for record in caplog.records)
