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
from chalicelib.config.keys import KeySettings
from chalicelib.config.settings import Settings
from chalicelib.wiring.services import Services, build_services, set_services
from tests.conftest import Counters
from tests.functional.conftest import create_key, json_of, table_snapshot
from tests.functional.faults import DYNAMODB_FAULTS, SSM_FAULTS, Fault, FaultPlan
from tests.support.api import Api, Tenant
from tests.support.clock import FakeClock
from tests.support.events import Shape, event_for
from tests.support.settings import settings_for_tests

Request = tuple[str, str, Any]
PEPPER = "/latchkey/test/pepper"


@pytest.fixture
def services(faults: FaultPlan, services: Services) -> Services:
    """The moto services, built after the fault plan so every client consults it."""
    return services


def requests_for(api: Api, acme: Tenant) -> dict[str, Request]:
    """One request per write route (and the list), on a key and an unused group."""
    key_id = create_key(api, acme.group_id)["key"]["id"]
    leaked = create_key(api, acme.group_id, name="Leaked")["secret"]
    group = json_of(api.call("POST", "/v1/groups", {"name": "Spare"}))["id"]
    hook_body = {"url": "https://hooks.acme.example/in", "events": ["key.*"]}
    hook = json_of(api.call("POST", "/v1/webhooks", hook_body))["webhook"]["id"]
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
        # Webhooks: the endpoint, its count and its audit event in one transaction.
        "create webhook": ("POST", "/v1/webhooks", hook_body),
        "edit webhook": ("PATCH", f"/v1/webhooks/{hook}", {"description": "Edited"}),
        "rotate webhook secret": ("POST", f"/v1/webhooks/{hook}/rotate-secret", None),
        "delete webhook": ("DELETE", f"/v1/webhooks/{hook}", None),
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
    "create webhook",
    "edit webhook",
    "rotate webhook secret",
    "delete webhook",
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
    api: Api,
    services: Services,
    faults: FaultPlan,
    request: Request,
    fault: Fault,
    idempotency: bool = False,
) -> Iterator[Failed]:
    """Send ``request`` again and again, failing its first call, then its second, ...

    Stops when the request makes fewer calls than the one to fail, then checks that,
    without a fault, the request works (so every call was failed once on a working path).
    With ``idempotency``, each attempt carries an Idempotency-Key of its own (only create
    and rotate honour it, so only they are run with one).
    """
    method, path, body = request
    for call in count():
        before = table_snapshot(services)
        headers = {"Idempotency-Key": f"fault-{call}"} if idempotency else None
        faults.arm("dynamodb", fault, at=call)
        response = api.call(method, path, body, headers=headers)
        faults.disarm()
        if not faults.injected:
            assert response.status_code < 300, response.body
            assert call > 0
            return
        yield Failed(call, faults.operations, response, table_snapshot(services) != before)


def pending_claims(services: Services) -> list[Any]:
    """Idempotency records still pending: a claim no request will ever complete."""
    items = table_snapshot(services)[services.settings.dynamodb.idempotency_table]
    return [item for item in items if item["state"]["S"] == "pending"]


# Only create and rotate take an Idempotency-Key; the other routes ignore the header, so
# failing each of their calls again with one would repeat the plain run (and double its time).
IDEMPOTENT_ROUTES = ("create key", "rotate key")


def with_and_without(routes: list[str]) -> pytest.MarkDecorator:
    """Each route plain, and create and rotate also with an Idempotency-Key."""
    cases = [pytest.param(route, False, id=f"{route}-plain") for route in routes] + [
        pytest.param(route, True, id=f"{route}-idempotency-key")
        for route in routes
        if route in IDEMPOTENT_ROUTES
    ]
    return pytest.mark.parametrize(("route", "idempotency"), cases)


@pytest.mark.parametrize("fault", DYNAMODB_FAULTS, ids=lambda fault: fault.name)
@with_and_without([*ROUTES, "list keys"])
def test_a_failed_dynamodb_call_answers_a_problem_and_changes_nothing(
    api: Api,
    acme: Tenant,
    services: Services,
    faults: FaultPlan,
    reliability: Counters,
    route: str,
    fault: Fault,
    idempotency: bool,
) -> None:
    request = requests_for(api, acme)[route]
    for failed in fail_each_call(api, services, faults, request, fault, idempotency):
        reliability.faults += 1
        reliability.five_xx += failed.response.status_code in (500, 502, 504)
        if failed.after_commit:
            # The change was made: the answer says so (test_a_change_that_committed_...),
            # and its Idempotency-Key record was completed by the same transaction.
            assert failed.response.status_code < 300, failed.response.body
            assert not pending_claims(services)
            continue
        if fault.reasons == ("TransactionConflict",) and failed.operations[failed.call] == COMMIT:
            # A transaction a conflict cancelled wrote nothing and is sent again
            # (chalicelib/storage/transaction.py): the request goes through, once. Failing
            # its later calls is the same as for the other faults, on a changed table.
            assert failed.response.status_code < 300, failed.response.body
            assert failed.operations[failed.call + 1] == COMMIT
            break
        claim = idempotency and failed.operations[failed.call] == "PutItem"
        if claim and failed.response.status_code < 300:
            # A claim refused by its condition reads the record in the way; finding none,
            # it claims again, and the request goes on as if unharmed.
            continue
        assert_problem(failed.response)
        # The tables include the idempotency records: a failed request released its claim.
        assert not failed.changed, f"failing {failed.operations} left a partial change"


@with_and_without(["create key", "edit key", "rotate key", "revoke key", "report leak"])
def test_a_change_that_committed_is_never_answered_as_a_failure(
    api: Api,
    acme: Tenant,
    services: Services,
    faults: FaultPlan,
    reliability: Counters,
    route: str,
    idempotency: bool,
) -> None:
    request = requests_for(api, acme)[route]
    for failed in fail_each_call(api, services, faults, request, DYNAMODB_FAULTS[0], idempotency):
        reliability.faults += 1
        if failed.changed:
            assert failed.response.status_code < 300, (
                f"failing {failed.operations} answered {failed.response.status_code} "
                "after the change committed"
            )


@pytest.mark.parametrize("route", ["create key", "rotate key"])
def test_with_an_idempotency_key_failures_after_the_commit_lose_no_secret(
    api: Api,
    acme: Tenant,
    services: Services,
    faults: FaultPlan,
    reliability: Counters,
    route: str,
) -> None:
    """The record used to be completed by a write of its own after the commit: when that
    failed, the answer was a 503 (the new secret lost) and every retry a 409 for 24 hours.
    Now no write follows the commit, so failing every call after it changes nothing."""
    method, path, body = requests_for(api, acme)[route]
    faults.arm("dynamodb", DYNAMODB_FAULTS[1], at=10**6)  # count the calls, fail none
    assert api.call(method, path, body, headers={"Idempotency-Key": "probe"}).status_code < 300
    calls = faults.operations
    after = calls.index(COMMIT) + 1
    assert not {"UpdateItem", "PutItem"} & set(calls[after:]), calls

    faults.arm("dynamodb", DYNAMODB_FAULTS[1], at=after, onwards=True)
    response = api.call(method, path, body, headers={"Idempotency-Key": "fails-after"})
    faults.disarm()
    reliability.faults += faults.injected

    assert response.status_code in (200, 201), response.body
    made = json_of(response)
    assert api.as_key(made["secret"]).call("GET", "/v1/keys").status_code == 200
    assert not pending_claims(services)
    again = api.call(method, path, body, headers={"Idempotency-Key": "fails-after"})
    assert again.status_code == 200, again.body
    assert again.headers["Idempotent-Replayed"] == "true"
    assert json_of(again)["key"]["id"] == made["key"]["id"]


@pytest.fixture
def ssm_services(
    aws_credentials: None, faults: FaultPlan, services: Services, clock: FakeClock
) -> Iterator[Callable[[], Services]]:
    """A maker of fresh services (an empty pepper cache) whose pepper lives in SSM."""
    boto3.client("ssm", region_name="us-east-1").put_parameter(
        Name=PEPPER, Value="ssm-pepper", Type="SecureString"
    )
    settings: Settings = settings_for_tests(
        keys=KeySettings(prefix="lk_test", pepper_parameter=PEPPER)
    )

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
