"""A write whose answer was lost after it committed still answers with its secret.

DynamoDB may carry out a transaction and the answer never arrive (a read timeout, a reset
connection). Create and rotate then hold the only copy of a secret that is now live: they
check whether their own write is in (the stored hash is the one they made) and answer as
if nothing had happened, with and without an Idempotency-Key.
"""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.wiring.services import Services
from tests.conftest import Counters
from tests.functional.conftest import create_key, json_of, table_snapshot
from tests.functional.faults import DYNAMODB_FAULTS, FaultPlan
from tests.support.api import Api, Tenant

COMMIT = "TransactWriteItems"
TIMEOUT = next(fault for fault in DYNAMODB_FAULTS if fault.timeout)


@pytest.fixture
def services(faults: FaultPlan, services: Services) -> Services:
    """The moto services, built after the fault plan so every client consults it."""
    return services


def idempotency(with_key: bool, name: str) -> dict[str, str] | None:
    return {"Idempotency-Key": name} if with_key else None


def committed_but_lost(
    api: Api, faults: FaultPlan, request: tuple[str, str, Any], headers: Any
) -> Any:
    faults.lose_answers(COMMIT)
    response = api.call(*request, headers=headers)
    lost = faults.injected
    faults.disarm()
    assert lost == 1, "the commit's answer was lost once"
    return response


@pytest.mark.parametrize("with_key", [False, True], ids=["plain", "idempotency-key"])
def test_a_create_whose_commit_answer_was_lost_answers_201_with_a_working_secret(
    api: Api, acme: Tenant, faults: FaultPlan, reliability: Counters, with_key: bool
) -> None:
    request = ("POST", "/v1/keys", {"name": "Lost answer", "group_id": acme.group_id})
    response = committed_but_lost(api, faults, request, idempotency(with_key, "lost-create"))
    reliability.faults += 1
    assert response.status_code == 201, response.body
    made = json_of(response)
    assert api.as_key(made["secret"]).call("GET", "/v1/keys").status_code == 200
    listed = json_of(api.call("GET", "/v1/keys"))["keys"]
    assert [key["id"] for key in listed].count(made["key"]["id"]) == 1
    if with_key:
        again = api.call(*request, headers=idempotency(True, "lost-create"))
        assert again.status_code == 200, again.body
        assert again.headers["Idempotent-Replayed"] == "true"
        assert json_of(again)["key"]["id"] == made["key"]["id"]


@pytest.mark.parametrize("with_key", [False, True], ids=["plain", "idempotency-key"])
def test_a_rotation_whose_commit_answer_was_lost_answers_200_with_the_new_secret(
    api: Api, acme: Tenant, faults: FaultPlan, reliability: Counters, with_key: bool
) -> None:
    made = create_key(api, acme.group_id)
    key_id = made["key"]["id"]
    request = ("POST", f"/v1/keys/{key_id}/rotate", {"grace_period_seconds": 0})
    response = committed_but_lost(api, faults, request, idempotency(with_key, "lost-rotate"))
    reliability.faults += 1
    assert response.status_code == 200, response.body
    rotated = json_of(response)
    assert rotated["key"]["id"] == key_id
    assert api.as_key(rotated["secret"]).call("GET", "/v1/keys").status_code == 200
    assert api.as_key(made["secret"]).call("GET", "/v1/keys").status_code == 401
    if with_key:
        again = api.call(*request, headers=idempotency(True, "lost-rotate"))
        assert again.status_code == 200, again.body
        assert again.headers["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize("route", ["create", "rotate"])
def test_a_commit_that_timed_out_before_dynamodb_acted_still_answers_503_and_changes_nothing(
    api: Api, acme: Tenant, services: Services, faults: FaultPlan, route: str
) -> None:
    """The check finds no write of this request: the answer stays the outage it was."""
    key_id = create_key(api, acme.group_id)["key"]["id"]
    choices: dict[str, list[tuple[str, str, Any]]] = {
        "create": [
            ("POST", "/v1/keys", {"name": f"Never {n}", "group_id": acme.group_id}) for n in (1, 2)
        ],
        "rotate": [("POST", f"/v1/keys/{key_id}/rotate", {})] * 2,
    }
    requests = choices[route]
    faults.arm("dynamodb", TIMEOUT, at=10**6)  # count the calls, fail none
    assert api.call(*requests[0]).status_code < 300
    commit = faults.operations.index(COMMIT)
    before = table_snapshot(services)
    faults.arm("dynamodb", TIMEOUT, at=commit)  # the commit times out before it reaches AWS
    response = api.call(*requests[1])
    operations = faults.operations
    faults.disarm()
    assert response.status_code == 503, response.body
    assert operations[commit + 1 :], "the request looked for its own write"
    assert table_snapshot(services) == before
