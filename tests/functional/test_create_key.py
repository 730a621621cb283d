"""POST /v1/keys: the secret once, every field rule, the tenant limit, nothing changed on error."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.wiring.services import Services
from tests.functional.conftest import create_key, json_of, table_snapshot
from tests.support.api import Api, Tenant
from tests.support.clock import FakeClock


def test_create_returns_key_and_secret_once(api: Api, acme: Tenant) -> None:
    body = create_key(api, acme.group_id, description="orders sync")
    key, secret = body["key"], body["secret"]
    assert secret.startswith(f"lk_test_{key['id']}_")
    assert key["name"] == "Integration"
    assert key["description"] == "orders sync"
    assert key["group"] == {"id": acme.group_id, "name": "Administrators"}
    assert key["status"] == "active"
    assert key["expiry_state"] == "valid"
    assert key["created_by"]["type"] == "key"
    assert key["hint"] == f"lk_test_{key['id']}_"
    assert secret not in api.call("GET", f"/v1/keys/{key['id']}").body.decode()


def test_new_secret_authenticates_at_once(api: Api, acme: Tenant) -> None:
    secret = create_key(api, acme.group_id)["secret"]
    assert api.as_key(secret).call("GET", "/v1/keys").status_code == 200


def test_expiry_and_allowlist_are_kept_in_utc_and_canonical_form(api: Api, acme: Tenant) -> None:
    body = create_key(
        api,
        acme.group_id,
        expires_at="2027-01-01T10:00:00+02:00",
        ip_allowlist="10.0.0.0/8\n\n2001:db8::/32\n192.0.2.7",
    )
    assert body["key"]["expires_at"] == "2027-01-01T08:00:00Z"
    assert body["key"]["ip_allowlist"] == ["10.0.0.0/8", "2001:db8::/32", "192.0.2.7"]


BAD_FIELDS: list[tuple[dict[str, Any], str]] = [
    ({"name": "x"}, "name"),
    ({"name": "x" * 201}, "name"),
    ({"name": "   "}, "name"),
    ({"description": "d" * 1001}, "description"),
    ({"group_id": None}, "group_id"),
    ({"expires_at": "2027-01-01T00:00:00"}, "expires_at"),  # no zone
    ({"expires_at": "next tuesday"}, "expires_at"),
    ({"expires_at": "2026-11-24T11:59:59Z"}, "expires_at"),  # in the past
    ({"expires_at": 1893456000}, "expires_at"),  # a number, though pydantic reads it as 2030
    ({"expires_at": "1893456000"}, "expires_at"),
    ({"expires_at": "9999-12-31T23:59:59-01:00"}, "expires_at"),  # past datetime.max in UTC
    ({"ip_allowlist": ["10.0.0.1", "not-an-ip"]}, "ip_allowlist"),
    ({"ip_allowlist": "10.0.0.5/8"}, "ip_allowlist"),  # host bits set
    ({"ip_allowlist": [7]}, "ip_allowlist"),
    ({"ip_allowlist": ["fe80::1%eth0"]}, "ip_allowlist"),  # scoped: a zone is one host's
    ({"ip_allowlist": "10.0.0.0/8\nfe80::%1/64"}, "ip_allowlist"),
    ({"name": "Nul\x00byte"}, "name"),
    ({"colour": "blue"}, "body"),  # an unknown name is never repeated
]


@pytest.mark.parametrize(("override", "field"), BAD_FIELDS)
def test_invalid_field_is_named_and_nothing_is_created(
    api: Api, acme: Tenant, services: Services, override: dict[str, Any], field: str
) -> None:
    before = table_snapshot(services)
    body = {"name": "Integration", "group_id": acme.group_id, **override}
    response = api.call("POST", "/v1/keys", body)
    assert response.status_code == 422, response.body
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = json_of(response)
    assert problem["code"] == "validation_failed"
    assert field in [error["field"] for error in problem["errors"]]
    assert table_snapshot(services) == before


def test_every_failing_field_is_listed(api: Api) -> None:
    response = api.call("POST", "/v1/keys", {"name": "", "description": "d" * 1001})
    fields = {error["field"] for error in json_of(response)["errors"]}
    assert fields == {"name", "description", "group_id"}


def test_group_of_another_tenant_is_refused(api: Api, globex: Tenant, services: Services) -> None:
    before = table_snapshot(services)
    response = api.call("POST", "/v1/keys", {"name": "Sneaky", "group_id": globex.group_id})
    assert response.status_code == 422
    assert json_of(response)["errors"] == [
        {"field": "group_id", "message": "no group with this id"}
    ]
    assert table_snapshot(services) == before


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", '"text"', "", "null"])
def test_malformed_body_is_a_400(api: Api, services: Services, raw: str) -> None:
    before = table_snapshot(services)
    response = api.call("POST", "/v1/keys", raw=raw)
    assert response.status_code == 400
    assert json_of(response)["code"] == "malformed_json"
    assert table_snapshot(services) == before


def test_deeply_nested_body_is_refused_without_a_500(api: Api) -> None:
    response = api.call("POST", "/v1/keys", raw="[" * 100_000 + "]" * 100_000)
    assert response.status_code == 400


def test_key_limit_is_enforced_with_used_and_limit(
    api: Api, acme: Tenant, services: Services
) -> None:
    services.tenants.set_limit("acme", 3)  # the admin key holds one slot
    create_key(api, acme.group_id)
    create_key(api, acme.group_id)
    before = table_snapshot(services)
    response = api.call("POST", "/v1/keys", {"name": "One too many", "group_id": acme.group_id})
    assert response.status_code == 409
    problem = json_of(response)
    assert (problem["code"], problem["used"], problem["limit"]) == ("key_limit_reached", 3, 3)
    assert table_snapshot(services) == before


def test_revoking_frees_a_slot(api: Api, acme: Tenant, services: Services) -> None:
    services.tenants.set_limit("acme", 2)
    key_id = create_key(api, acme.group_id)["key"]["id"]
    assert (
        api.call("POST", "/v1/keys", {"name": "Full", "group_id": acme.group_id}).status_code == 409
    )
    assert api.call("POST", f"/v1/keys/{key_id}/revoke").status_code == 200
    create_key(api, acme.group_id)


def test_key_ids_differ_and_created_at_follows_the_clock(
    api: Api, acme: Tenant, clock: FakeClock
) -> None:
    first = create_key(api, acme.group_id)["key"]
    clock.advance(minutes=5)
    second = create_key(api, acme.group_id)["key"]
    assert first["id"] != second["id"]
    assert second["created_at"] == "2026-11-24T12:05:00Z"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-8-sig"])
def test_a_body_not_in_plain_utf8_is_a_400(
    api: Api, acme: Tenant, services: Services, encoding: str
) -> None:
    # JSON between systems is UTF-8 (RFC 8259); json.loads would guess the others.
    before = table_snapshot(services)
    body = json.dumps({"name": "Encoded", "group_id": acme.group_id}).encode(encoding)
    headers = {"Content-Type": "application/json", "X-API-Key": acme.token}
    response = api.client.http.request("POST", "/v1/keys", headers=headers, body=body)
    assert response.status_code == 400
    assert json_of(response)["code"] == "malformed_json"
    assert table_snapshot(services) == before
