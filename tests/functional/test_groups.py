"""/v1/groups: authorization groups, their validation, and deletion only when unused."""

from __future__ import annotations

import pytest

from chalicelib.wiring.services import Services
from tests.functional.conftest import create_key, json_of, table_snapshot
from tests.support.api import Api, Tenant
from tests.support.clock import FakeClock


def test_group_lifecycle(api: Api, clock: FakeClock) -> None:
    clock.advance(seconds=1)
    created = api.call(
        "POST",
        "/v1/groups",
        {
            "name": "Orders",
            "description": "order sync",
            "permissions": ["orders:read"],
            "routes": ["get /orders/*", "POST /orders"],
        },
    )
    assert created.status_code == 201, created.body
    group = json_of(created)
    assert group["routes"] == ["GET /orders/*", "POST /orders"]
    assert group["key_count"] == 0
    clock.advance(minutes=1)
    edited = json_of(api.call("PATCH", f"/v1/groups/{group['id']}", {"name": "Orders v2"}))
    assert (edited["name"], edited["permissions"]) == ("Orders v2", ["orders:read"])
    assert edited["updated_at"] == "2026-11-24T12:01:01Z"
    assert json_of(api.call("GET", f"/v1/groups/{group['id']}"))["name"] == "Orders v2"
    listed = json_of(api.call("GET", "/v1/groups"))["groups"]
    # By group id (a page at a time): ids are random, so the order is too.
    assert [item["id"] for item in listed] == sorted(item["id"] for item in listed)
    assert sorted(item["name"] for item in listed) == ["Administrators", "Orders v2"]
    assert api.call("DELETE", f"/v1/groups/{group['id']}").status_code == 204
    assert api.call("GET", f"/v1/groups/{group['id']}").status_code == 404


def test_routes_default_to_everything(api: Api) -> None:
    group = json_of(api.call("POST", "/v1/groups", {"name": "All"}))
    assert group["routes"] == ["* /*"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "G"}, "name"),
        ({"name": "Good", "routes": ["FETCH /x"]}, "routes"),
        ({"name": "Good", "routes": ["GET orders"]}, "routes"),
        ({"name": "Good", "routes": ["GET /a?b"]}, "routes"),
        ({"name": "Good", "routes": []}, "routes"),
        ({"name": "Good", "permissions": ["has space"]}, "permissions.0"),
        ({"name": "Good", "permissions": "keys:read"}, "permissions"),
        ({"name": "Good", "extra": 1}, "body"),  # an unknown name is never repeated
        ({"name": "Nul\x00byte"}, "name"),
        ({"name": "Escape \x1b[31m red"}, "name"),
        ({"name": "Tab\tbed"}, "name"),
        ({"name": "C1 \x85 next line"}, "name"),
        ({"name": "\x7f\x7f"}, "name"),
    ],
)
def test_invalid_group_is_refused_and_nothing_changes(
    api: Api, services: Services, body: dict[str, object], field: str
) -> None:
    before = table_snapshot(services)
    response = api.call("POST", "/v1/groups", body)
    assert response.status_code == 422
    assert field in [error["field"] for error in json_of(response)["errors"]]
    assert table_snapshot(services) == before


def test_group_in_use_cannot_be_deleted(api: Api, services: Services) -> None:
    group = json_of(api.call("POST", "/v1/groups", {"name": "Used"}))
    key = create_key(api, group["id"])
    before = table_snapshot(services)
    response = api.call("DELETE", f"/v1/groups/{group['id']}")
    assert (response.status_code, json_of(response)["code"]) == (409, "group_in_use")
    assert table_snapshot(services) == before
    api.call("POST", f"/v1/keys/{key['key']['id']}/revoke")
    assert api.call("DELETE", f"/v1/groups/{group['id']}").status_code == 204
    revoked = json_of(api.call("GET", f"/v1/keys/{key['key']['id']}"))
    assert revoked["group"] == {"id": group["id"], "name": None}


def test_editing_an_unknown_group_is_404(api: Api, services: Services) -> None:
    before = table_snapshot(services)
    response = api.call("PATCH", "/v1/groups/grp_nothing", {"name": "Ghost"})
    assert response.status_code == 404
    assert api.call("DELETE", "/v1/groups/grp_nothing").status_code == 404
    assert table_snapshot(services) == before


def test_group_permissions_decide_at_once(api: Api, acme: Tenant) -> None:
    group = json_of(api.call("POST", "/v1/groups", {"name": "Ops", "permissions": ["keys:read"]}))
    secret = create_key(api, group["id"])["secret"]
    ops = api.as_key(secret)
    assert ops.call("POST", "/v1/groups", {"name": "Nope"}).status_code == 403
    api.call("PATCH", f"/v1/groups/{group['id']}", {"permissions": ["keys:manage"]})
    assert ops.call("POST", "/v1/groups", {"name": "Now yes"}).status_code == 201


@pytest.mark.parametrize("name", ["Nul\x00byte", "Bell\x07", "New\nline", "DEL\x7f"])
def test_a_group_name_with_a_control_character_is_refused_on_edit_too(
    api: Api, services: Services, name: str
) -> None:
    group = json_of(api.call("POST", "/v1/groups", {"name": "Clean"}))
    before = table_snapshot(services)

    response = api.call("PATCH", f"/v1/groups/{group['id']}", {"name": name})

    assert (response.status_code, json_of(response)["code"]) == (422, "validation_failed")
    assert [error["field"] for error in json_of(response)["errors"]] == ["name"]
    assert table_snapshot(services) == before


def test_names_of_other_scripts_and_symbols_are_still_accepted(api: Api) -> None:
    for name in ["Zahlungsdienst Ü", "注文リーダー", "Orders → EU", "Ops 🚀"]:
        response = api.call("POST", "/v1/groups", {"name": name})
        assert response.status_code == 201, response.body
