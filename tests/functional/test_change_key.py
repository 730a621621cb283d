"""PATCH, rotate and revoke: what changes, what never does, and the 409s."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.wiring.services import Services
from tests.functional.conftest import create_key, json_of, table_snapshot
from tests.support.api import Api, Tenant
from tests.support.clock import FakeClock


@pytest.fixture
def key(api: Api, acme: Tenant) -> dict[str, Any]:
    return create_key(api, acme.group_id, name="ERP", expires_at="2026-12-24T12:00:00Z")


def works(api: Api, secret: str) -> bool:
    return bool(api.as_key(secret).call("GET", "/v1/keys").status_code == 200)


def test_edit_changes_only_the_sent_fields(api: Api, key: dict[str, Any], clock: FakeClock) -> None:
    clock.advance(minutes=1)
    key_id = key["key"]["id"]
    response = api.call(
        "PATCH",
        f"/v1/keys/{key_id}",
        {"description": "nightly export", "ip_allowlist": "127.0.0.1\n10.0.0.0/8"},
    )
    assert response.status_code == 200, response.body
    edited = json_of(response)
    assert edited["name"] == "ERP"
    assert edited["description"] == "nightly export"
    assert edited["ip_allowlist"] == ["127.0.0.1", "10.0.0.0/8"]
    assert edited["expires_at"] == "2026-12-24T12:00:00Z"
    assert edited["updated_at"] == "2026-11-24T12:01:00Z"
    assert works(api, key["secret"]), "an edit never touches the secret"


def test_edit_can_clear_description_and_allowlist(api: Api, acme: Tenant) -> None:
    made = create_key(api, acme.group_id, description="d", ip_allowlist=["192.0.2.1"])
    edited = json_of(
        api.call("PATCH", f"/v1/keys/{made['key']['id']}", {"description": "", "ip_allowlist": []})
    )
    assert (edited["description"], edited["ip_allowlist"]) == ("", [])


def test_edit_moves_the_key_to_another_group(api: Api, acme: Tenant, key: dict[str, Any]) -> None:
    group = json_of(
        api.call("POST", "/v1/groups", {"name": "Readers", "permissions": ["keys:read"]})
    )
    edited = json_of(api.call("PATCH", f"/v1/keys/{key['key']['id']}", {"group_id": group["id"]}))
    assert edited["group"] == {"id": group["id"], "name": "Readers"}
    assert json_of(api.call("GET", f"/v1/groups/{group['id']}"))["key_count"] == 1
    reader = api.as_key(key["secret"])
    assert reader.call("GET", "/v1/keys").status_code == 200
    assert reader.call("POST", "/v1/groups", {"name": "Nope"}).status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"expires_at": "2030-01-01T00:00:00Z"}, "body"),
        ({"secret": "x"}, "body"),  # an unknown name is never repeated
        ({"name": "x"}, "name"),
        ({"name": None}, "name"),
        ({"group_id": "grp_doesnotexist"}, "group_id"),
        ({"ip_allowlist": "300.1.1.1"}, "ip_allowlist"),
    ],
)
def test_rejected_edit_changes_nothing(
    api: Api, key: dict[str, Any], services: Services, body: dict[str, Any], field: str
) -> None:
    before = table_snapshot(services)
    response = api.call("PATCH", f"/v1/keys/{key['key']['id']}", body)
    assert response.status_code == 422, response.body
    assert field in [error["field"] for error in json_of(response)["errors"]]
    assert table_snapshot(services) == before


def test_expiry_edit_says_to_rotate(api: Api, key: dict[str, Any]) -> None:
    response = api.call("PATCH", f"/v1/keys/{key['key']['id']}", {"expires_at": None})
    assert "rotate" in json_of(response)["errors"][0]["message"]


def test_revoked_key_cannot_be_edited(api: Api, key: dict[str, Any], services: Services) -> None:
    key_id = key["key"]["id"]
    api.call("POST", f"/v1/keys/{key_id}/revoke")
    before = table_snapshot(services)
    response = api.call("PATCH", f"/v1/keys/{key_id}", {"name": "Renamed"})
    assert (response.status_code, json_of(response)["code"]) == (409, "key_revoked")
    assert table_snapshot(services) == before


def test_rotation_without_grace_kills_the_old_secret(api: Api, key: dict[str, Any]) -> None:
    response = api.call("POST", f"/v1/keys/{key['key']['id']}/rotate")
    assert response.status_code == 200, response.body
    rotated = json_of(response)
    assert rotated["key"]["id"] == key["key"]["id"]
    assert rotated["key"]["rotated_at"] == "2026-11-24T12:00:00Z"
    assert rotated["key"]["name"] == "ERP"
    assert rotated["key"]["expires_at"] == "2026-12-24T12:00:00Z"
    assert not works(api, key["secret"])
    assert works(api, rotated["secret"])


def test_rotation_grace_keeps_both_secrets_until_it_ends(
    api: Api, key: dict[str, Any], clock: FakeClock
) -> None:
    response = api.call(
        "POST", f"/v1/keys/{key['key']['id']}/rotate", {"grace_period_seconds": 3600}
    )
    rotated = json_of(response)
    assert rotated["key"]["previous_secret_valid_until"] == "2026-11-24T13:00:00Z"
    assert works(api, key["secret"])
    assert works(api, rotated["secret"])
    clock.advance(minutes=59, seconds=59)
    assert works(api, key["secret"])
    clock.advance(seconds=1)
    assert not works(api, key["secret"])
    assert works(api, rotated["secret"])


def test_rotation_can_set_a_new_expiry(api: Api, key: dict[str, Any]) -> None:
    rotated = json_of(
        api.call(
            "POST", f"/v1/keys/{key['key']['id']}/rotate", {"expires_at": "2027-06-01T00:00:00Z"}
        )
    )
    assert rotated["key"]["expires_at"] == "2027-06-01T00:00:00Z"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"grace_period_seconds": -1}, "grace_period_seconds"),
        ({"grace_period_seconds": 86401}, "grace_period_seconds"),
        ({"grace_period_seconds": "60"}, "grace_period_seconds"),  # a string, not a number
        ({"grace_period_seconds": True}, "grace_period_seconds"),
        ({"expires_at": "2026-11-01T00:00:00Z"}, "expires_at"),
        ({"secret": "mine"}, "body"),
    ],
)
def test_rejected_rotation_changes_nothing(
    api: Api, key: dict[str, Any], services: Services, body: dict[str, Any], field: str
) -> None:
    before = table_snapshot(services)
    response = api.call("POST", f"/v1/keys/{key['key']['id']}/rotate", body)
    assert response.status_code == 422
    assert field in [error["field"] for error in json_of(response)["errors"]]
    assert table_snapshot(services) == before
    assert works(api, key["secret"])


def test_revoked_or_expired_keys_cannot_be_rotated(
    api: Api, acme: Tenant, key: dict[str, Any], clock: FakeClock
) -> None:
    revoked = create_key(api, acme.group_id)["key"]["id"]
    api.call("POST", f"/v1/keys/{revoked}/revoke")
    response = api.call("POST", f"/v1/keys/{revoked}/rotate")
    assert (response.status_code, json_of(response)["code"]) == (409, "key_revoked")
    clock.advance(days=31)
    response = api.call("POST", f"/v1/keys/{key['key']['id']}/rotate")
    assert (response.status_code, json_of(response)["code"]) == (409, "key_expired")


def test_revoke_is_immediate_and_kept_in_the_list(
    api: Api, key: dict[str, Any], clock: FakeClock
) -> None:
    key_id = key["key"]["id"]
    clock.advance(minutes=2)
    response = api.call("POST", f"/v1/keys/{key_id}/revoke")
    assert response.status_code == 200
    revoked = json_of(response)
    assert revoked["status"] == "revoked"
    assert revoked["revoked_at"] == "2026-11-24T12:02:00Z"
    assert revoked["revoked_by"]["type"] == "key"
    assert not works(api, key["secret"])
    listed = json_of(api.call("GET", "/v1/keys?status=revoked"))["keys"]
    assert [item["id"] for item in listed] == [key_id]


def test_revoke_ends_a_grace_period_too(api: Api, key: dict[str, Any]) -> None:
    key_id = key["key"]["id"]
    rotated = json_of(api.call("POST", f"/v1/keys/{key_id}/rotate", {"grace_period_seconds": 600}))
    api.call("POST", f"/v1/keys/{key_id}/revoke")
    assert not works(api, key["secret"])
    assert not works(api, rotated["secret"])


def test_second_revoke_answers_200_and_changes_nothing(
    api: Api, key: dict[str, Any], services: Services, clock: FakeClock
) -> None:
    key_id = key["key"]["id"]
    first = json_of(api.call("POST", f"/v1/keys/{key_id}/revoke"))
    before = table_snapshot(services)
    clock.advance(minutes=5)
    again = api.call("POST", f"/v1/keys/{key_id}/revoke")
    assert again.status_code == 200
    assert json_of(again) == first
    assert table_snapshot(services) == before
