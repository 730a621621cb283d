"""When DynamoDB or SSM fails, the management API answers a problem and changes nothing.

Every DynamoDB call a request makes is failed in turn (the first, then the second, ...,
until the request makes no more calls), with each way DynamoDB fails: throttling, an
internal error, a condition or transaction conflict, a missing table, a timeout. The
answer must be a problem document (409 or 503, never a 500) and the tables exactly as
they were. SSM failures (no pepper) must do the same, and the authorizer must deny.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import count
from typing import Any

import boto3
import pytest
from chalice.test import Client

from app import app
from chalicelib.authorizer.handler import authorize
from chalicelib.authorizer.runtime import build_runtime
from chalicelib.container import Services, build_services, set_services
from chalicelib.settings import Settings
from tests.conftest import Counters, FakeClock
from tests.conftest import test_settings as make_settings
from tests.functional.conftest import Api, Tenant, create_key, json_of, table_snapshot
from tests.functional.faults import DYNAMODB_FAULTS, SSM_FAULTS, Fault, FaultPlan, installed
from tests.unit.test_authorizer_policy import Shape, event_for

Request = tuple[str, str, Any]
PEPPER = "/latchkey/test/pepper"


@pytest.fixture
def faults() -> Iterator[FaultPlan]:
    with installed(FaultPlan()) as plan:
        yield plan


@pytest.fixture
def services(faults: FaultPlan, services: Services) -> Services:
    """The moto services, built after the fault plan so every client consults it."""
    return services


def requests_for(api: Api, acme: Tenant) -> dict[str, Request]:
    """One request per write route (and the list), on a key and an unused group."""
    key_id = create_key(api, acme.group_id)["key"]["id"]
    leaked = create_key(api, acme.group_id, name="Leaked")["secret"]
    group = json_of(api.call("POST", "/v1/groups", {"name": "Spare"}))["id"]
    return {
        "create key": ("POST", "/v1/keys", {"name": "New", "group_id": acme.group_id}),
        "edit key": ("PATCH", f"/v1/keys/{key_id}", {"name": "Renamed"}),
        "rotate key": ("POST", f"/v1/keys/{key_id}/rotate", {"grace_period_seconds": 60}),
        "revoke key": ("POST", f"/v1/keys/{key_id}/revoke", None),
        "create group": ("POST", "/v1/groups", {"name": "Another"}),
        "delete group": ("DELETE", f"/v1/groups/{group}", None),
        "list keys": ("GET", "/v1/keys", None),
        # Leaked keys: a live key reported (revoked and recorded in one transaction).
        "report leak": ("POST", "/v1/leaks", {"token": leaked, "url": "https://paste.test/1"}),
        "set leak policy": ("PATCH", "/v1/tenant/settings", {"leak_policy": "notify"}),
    }


def assert_problem(response: Any, allowed: tuple[int, ...] = (409, 503)) -> None:
    assert response.status_code in allowed, response.body
    assert response.headers["Content-Type"] == "application/problem+json"
    assert json_of(response)["code"]


ROUTES = [
    "create key",
    "edit key",
    "rotate key",
    "revoke key",
    "create group",
    "delete group",
    "report leak",
    "set leak policy",
]
COMMIT = "TransactWriteItems"


@dataclass
class Failed:
    """One request whose ``call``-th DynamoDB call failed: the calls, answer and damage."""

    call: int
    operations: list[str]
    response: Any
    changed: bool

    @property
    def after_commit(self) -> bool:
        """The failed call came after the request's write had committed."""
        return COMMIT in self.operations[: self.call]


def fail_each_call(
    api: Api, services: Services, faults: FaultPlan, request: Request, fault: Fault
) -> Iterator[Failed]:
    """Send ``request`` again and again, failing its first call, then its second, ...

    Stops when the request makes fewer calls than the one to fail, then checks that,
    without a fault, the request works (so every call was failed once on a working path).
    """
    method, path, body = request
    for call in count():
        before = table_snapshot(services)
        faults.arm("dynamodb", fault, at=call)
        response = api.call(method, path, body)
        faults.disarm()
        if not faults.injected:
            assert response.status_code < 300, response.body
            assert call > 0
            return
        yield Failed(call, faults.operations, response, table_snapshot(services) != before)


@pytest.mark.parametrize("fault", DYNAMODB_FAULTS, ids=lambda fault: fault.name)
@pytest.mark.parametrize("route", [*ROUTES, "list keys"])
def test_a_failed_dynamodb_call_answers_a_problem_and_changes_nothing(
    api: Api,
    acme: Tenant,
    services: Services,
    faults: FaultPlan,
    reliability: Counters,
    route: str,
    fault: Fault,
) -> None:
    request = requests_for(api, acme)[route]
    for failed in fail_each_call(api, services, faults, request, fault):
        reliability.faults += 1
        reliability.five_xx += failed.response.status_code in (500, 502, 504)
        if failed.after_commit:
            # The change was made: the answer says so (test_a_change_that_committed_...).
            assert failed.response.status_code < 300, failed.response.body
            continue
        assert_problem(failed.response)
        assert not failed.changed, f"failing {failed.operations} left a partial change"


@pytest.mark.parametrize(
    "route", ["create key", "edit key", "rotate key", "revoke key", "report leak"]
)
def test_a_change_that_committed_is_never_answered_as_a_failure(
    api: Api,
    acme: Tenant,
    services: Services,
    faults: FaultPlan,
    reliability: Counters,
    route: str,
) -> None:
    request = requests_for(api, acme)[route]
    for failed in fail_each_call(api, services, faults, request, DYNAMODB_FAULTS[0]):
        reliability.faults += 1
        if failed.changed:
            assert failed.response.status_code < 300, (
                f"failing {failed.operations} answered {failed.response.status_code} "
                "after the change committed"
            )


@pytest.fixture
def ssm_services(
    aws_credentials: None, faults: FaultPlan, services: Services, clock: FakeClock
) -> Iterator[Callable[[], Services]]:
    """A maker of fresh services (an empty pepper cache) whose pepper lives in SSM."""
    boto3.client("ssm", region_name="us-east-1").put_parameter(
        Name=PEPPER, Value="ssm-pepper", Type="SecureString"
    )
    settings: Settings = make_settings(pepper_parameter=PEPPER, local_peppers={})

    def fresh() -> Services:
        built = build_services(settings, clock)
        set_services(built)
        return built

    yield fresh
    set_services(None)


def test_without_its_pepper_the_api_answers_503_and_changes_nothing(
    ssm_services: Callable[[], Services], faults: FaultPlan, reliability: Counters
) -> None:
    made = ssm_services().tenants.bootstrap("acme")
    for fault in SSM_FAULTS:
        services = ssm_services()
        before = table_snapshot(services)
        faults.arm("ssm", fault)
        with Client(app) as client:
            api = Api(client, made.issued.token)
            response = api.call("POST", "/v1/keys", {"name": "New", "group_id": made.group_id})
        faults.disarm()
        reliability.faults += faults.injected
        assert faults.injected, fault
        assert_problem(response, allowed=(503,))
        assert table_snapshot(services) == before


def test_with_its_pepper_gone_from_ssm_the_api_answers_503(
    ssm_services: Callable[[], Services], reliability: Counters
) -> None:
    made = ssm_services().tenants.bootstrap("acme")
    boto3.client("ssm", region_name="us-east-1").delete_parameter(Name=PEPPER)
    services = ssm_services()
    before = table_snapshot(services)
    with Client(app) as client:
        response = Api(client, made.issued.token).call("GET", "/v1/keys")
    reliability.faults += 1
    assert_problem(response, allowed=(503,))
    assert table_snapshot(services) == before


@pytest.mark.parametrize("fault", DYNAMODB_FAULTS, ids=lambda fault: fault.name)
def test_the_authorizer_denies_when_dynamodb_fails(
    acme: Tenant,
    services: Services,
    faults: FaultPlan,
    clock: FakeClock,
    reliability: Counters,
    fault: Fault,
) -> None:
    runtime = build_runtime(services.settings, clock)
    event = event_for(Shape.REST_REQUEST, acme.token, ("GET", "/orders/7"), "10.1.2.3")
    faults.arm("dynamodb", fault)
    answer = authorize(event, runtime)
    faults.disarm()
    reliability.faults += faults.injected
    assert faults.injected
    statements = answer["policyDocument"]["Statement"]
    assert [statement["Effect"] for statement in statements] == ["Deny"]
