"""Idempotency-Key on create and rotate: retries make nothing new, and never replay a secret."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import boto3
import pytest

from chalicelib.domain.errors import IdempotencyInProgress
from chalicelib.domain.keys import KeyDraft
from chalicelib.domain.records import SYSTEM, Claim
from chalicelib.storage.idempotency import LEASE
from chalicelib.wiring.services import Services
from tests.functional.conftest import json_of, table_snapshot
from tests.support.api import Api, Tenant
from tests.support.clock import FakeClock
from tests.support.secrets import secret_part


def post(api: Api, path: str, body: Any, key: str) -> Any:
    return api.call("POST", path, body, headers={"Idempotency-Key": key})


def key_count(api: Api) -> int:
    return int(json_of(api.call("GET", "/v1/keys"))["key_usage"]["used"])


def test_retried_create_makes_nothing_new_and_says_so(api: Api, acme: Tenant) -> None:
    body = {"name": "Payroll sync", "group_id": acme.group_id}
    first = post(api, "/v1/keys", body, "create-payroll-1")
    assert first.status_code == 201
    made = json_of(first)
    again = post(api, "/v1/keys", body, "create-payroll-1")
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    replay = json_of(again)
    assert replay["key"]["id"] == made["key"]["id"]
    assert replay["secret"] is None
    assert replay["replayed"] is True
    assert "rotate" in replay["detail"]
    assert made["secret"] not in again.body.decode()
    assert key_count(api) == 2  # the admin key and this one


def test_same_idempotency_key_with_another_body_is_a_422(
    api: Api, acme: Tenant, services: Services
) -> None:
    post(api, "/v1/keys", {"name": "First", "group_id": acme.group_id}, "k-1")
    before = table_snapshot(services)
    response = post(api, "/v1/keys", {"name": "Second", "group_id": acme.group_id}, "k-1")
    assert response.status_code == 422
    assert json_of(response)["code"] == "idempotency_key_reused"
    assert table_snapshot(services) == before


def test_body_order_and_spacing_do_not_matter(api: Api, acme: Tenant) -> None:
    first = post(api, "/v1/keys", {"name": "Ordered", "group_id": acme.group_id}, "k-2")
    raw = json.dumps({"group_id": acme.group_id, "name": "Ordered"}, indent=4)
    again = api.call("POST", "/v1/keys", raw=raw, headers={"Idempotency-Key": "k-2"})
    assert again.status_code == 200
    assert json_of(again)["key"]["id"] == json_of(first)["key"]["id"]


def test_duplicate_while_the_first_is_running_is_a_409(
    api: Api, acme: Tenant, services: Services
) -> None:
    body = {"name": "Racing", "group_id": acme.group_id}
    # The first request has claimed the key and not finished yet.
    claimed = services.idempotency.claim("acme#create#k-3", _fingerprint_of(body), services.clock())
    assert isinstance(claimed, Claim)
    response = post(api, "/v1/keys", body, "k-3")
    assert response.status_code == 409
    assert json_of(response)["code"] == "idempotency_in_progress"
    assert key_count(api) == 1


def _fingerprint_of(body: dict[str, Any]) -> str:
    from chalicelib.api.idempotency import _fingerprint

    return _fingerprint("create", json.dumps(body).encode())


def test_a_failed_request_can_be_retried_with_the_same_key(
    api: Api, acme: Tenant, services: Services
) -> None:
    services.tenants.set_limit("acme", 1)
    body = {"name": "Blocked", "group_id": acme.group_id}
    assert post(api, "/v1/keys", body, "k-4").status_code == 409
    services.tenants.set_limit("acme", 2)
    assert post(api, "/v1/keys", body, "k-4").status_code == 201


def test_idempotency_keys_expire_after_24_hours(api: Api, acme: Tenant, clock: FakeClock) -> None:
    body = {"name": "Daily", "group_id": acme.group_id}
    first = json_of(post(api, "/v1/keys", body, "k-5"))
    clock.advance(hours=24, seconds=1)
    second = post(api, "/v1/keys", body, "k-5")
    assert second.status_code == 201
    assert json_of(second)["key"]["id"] != first["key"]["id"]


def test_retried_rotation_keeps_the_first_new_secret(api: Api, acme: Tenant) -> None:
    made = json_of(post(api, "/v1/keys", {"name": "Rotating", "group_id": acme.group_id}, "c"))
    key_id = made["key"]["id"]
    rotated = json_of(post(api, f"/v1/keys/{key_id}/rotate", {}, "rot-1"))
    again = post(api, f"/v1/keys/{key_id}/rotate", {}, "rot-1")
    assert again.status_code == 200
    assert json_of(again)["secret"] is None
    assert api.as_key(rotated["secret"]).call("GET", "/v1/keys").status_code == 200


def test_idempotency_keys_are_per_tenant(api: Api, acme: Tenant, globex: Tenant) -> None:
    theirs = Api(api.client, globex.token)
    ours = post(api, "/v1/keys", {"name": "Shared key", "group_id": acme.group_id}, "same")
    mine = post(theirs, "/v1/keys", {"name": "Shared key", "group_id": globex.group_id}, "same")
    assert (ours.status_code, mine.status_code) == (201, 201)


def test_no_secret_in_the_idempotency_record(api: Api, acme: Tenant, services: Services) -> None:
    made = json_of(post(api, "/v1/keys", {"name": "Recorded", "group_id": acme.group_id}, "r"))
    secret = secret_part(made["secret"])
    assert secret not in json.dumps(table_snapshot(services))


def test_invalid_idempotency_key_is_a_422(api: Api, acme: Tenant) -> None:
    response = post(api, "/v1/keys", {"name": "Spaced", "group_id": acme.group_id}, "has space")
    assert response.status_code == 422
    assert json_of(response)["errors"][0]["field"] == "Idempotency-Key"


def test_a_claim_left_by_a_crashed_request_is_taken_over_after_its_lease(
    api: Api, acme: Tenant, services: Services, clock: FakeClock
) -> None:
    body = {"name": "Crashed", "group_id": acme.group_id}
    crashed = services.idempotency.claim("acme#create#k-6", _fingerprint_of(body), clock())
    assert isinstance(crashed, Claim)
    clock.advance(seconds=LEASE.total_seconds() - 1)
    assert post(api, "/v1/keys", body, "k-6").status_code == 409  # within its lease

    clock.advance(seconds=2)
    retried = post(api, "/v1/keys", body, "k-6")

    assert retried.status_code == 201, retried.body
    made = json_of(retried)
    # Should the crashed request wake up, its transaction is fenced off: nothing is made.
    before = table_snapshot(services)
    draft = KeyDraft("Crashed", "", acme.group_id, None, ())
    with pytest.raises(IdempotencyInProgress):
        services.keys.create("acme", SYSTEM, draft, crashed)
    assert table_snapshot(services) == before
    again = post(api, "/v1/keys", body, "k-6")
    assert again.status_code == 200
    assert json_of(again)["key"]["id"] == made["key"]["id"]
    assert key_count(api) == 2


def test_a_finished_request_is_never_taken_over(api: Api, acme: Tenant, clock: FakeClock) -> None:
    body = {"name": "Finished", "group_id": acme.group_id}
    first = json_of(post(api, "/v1/keys", body, "k-7"))
    clock.advance(hours=1)
    again = post(api, "/v1/keys", body, "k-7")
    assert again.status_code == 200
    assert json_of(again)["key"]["id"] == first["key"]["id"]


def test_a_pending_record_from_before_leases_is_taken_over_once_it_is_older_than_one(
    api: Api, acme: Tenant, services: Services, clock: FakeClock
) -> None:
    """Once, a fault after the commit left records pending for 24 hours."""
    body = {"name": "Stuck", "group_id": acme.group_id}
    boto3.client("dynamodb", region_name=services.settings.region).put_item(
        TableName=services.settings.dynamodb.idempotency_table,
        Item={
            "id": {"S": "acme#create#k-8"},
            "fingerprint": {"S": _fingerprint_of(body)},
            "state": {"S": "pending"},
            "created_at": {"S": clock().strftime("%Y-%m-%dT%H:%M:%S.%f+0000")},  # PynamoDB's
            "expires": {"N": str(int((clock() + timedelta(hours=24)).timestamp()))},
        },
    )
    assert post(api, "/v1/keys", body, "k-8").status_code == 409
    clock.advance(seconds=LEASE.total_seconds() + 1)
    assert post(api, "/v1/keys", body, "k-8").status_code == 201


def documented_idempotency_key(api: Api) -> dict[str, Any]:
    spec = json_of(api.call("GET", "/openapi.json"))
    parameters = spec["paths"]["/v1/keys"]["post"]["parameters"]
    found: dict[str, Any] = next(p for p in parameters if p["name"] == "Idempotency-Key")
    return found


@pytest.mark.parametrize(
    "value",
    ["a", "x" * 255, "x" * 256, "has space", "tab\there", "~!#$%&'*+-.^_`|", "del\x7f", "nl\n"],
)
def test_the_openapi_document_says_exactly_which_idempotency_keys_are_accepted(
    api: Api, acme: Tenant, value: str
) -> None:
    # The pattern in the document is ECMA-262; these values read the same in Python's re.
    documented = re.fullmatch(documented_idempotency_key(api)["schema"]["pattern"], value)
    response = post(api, "/v1/keys", {"name": "Documented", "group_id": acme.group_id}, value)
    assert (response.status_code == 201) == (documented is not None), response.body
