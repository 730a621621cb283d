"""An administrator does not lock itself out without saying so, and a tenant always keeps
a key that can manage keys.

A change that takes the calling key's own access away is a 409 ``would_lock_out_caller``
unless the request sends ``Confirm-Self-Lockout: true``; a change that leaves the tenant
with no active key in a group granting ``keys:manage`` is a 409 ``last_manager`` always.
Every refusal changes nothing. (The chalice test client calls from 127.0.0.1.)
"""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.wiring.services import Services
from tests.functional.conftest import create_key, json_of, table_snapshot
from tests.support.api import Api, Tenant

CONFIRM = {"Confirm-Self-Lockout": "true"}
ADMIN = ["keys:manage", "keys:read"]


def group(api: Api, name: str, permissions: list[str]) -> str:
    response = api.call("POST", "/v1/groups", {"name": name, "permissions": permissions})
    assert response.status_code == 201, response.body
    return str(json_of(response)["id"])


def admin(api: Api, group_id: str) -> tuple[str, Api]:
    """A new key in ``group_id``: its id, and a client calling as it."""
    made = create_key(api, group_id, name="Second admin")
    return made["key"]["id"], api.as_key(made["secret"])


def refused(response: Any, code: str) -> str:
    assert response.status_code == 409, response.body
    assert response.headers["Content-Type"] == "application/problem+json"
    body = json_of(response)
    assert body["code"] == code
    return str(body["detail"])


def own_id(api: Api) -> str:
    return str(json_of(api.call("GET", "/v1/me"))["actor"]["id"])


@pytest.fixture
def second(api: Api, acme: Tenant) -> tuple[str, Api]:
    """Another admin key in the tenant's admin group: no one here is the last manager."""
    return admin(api, acme.group_id)


def test_revoking_your_own_key_is_refused_unless_confirmed(
    second: tuple[str, Api], services: Services
) -> None:
    key_id, as_second = second
    before = table_snapshot(services)
    detail = refused(as_second.call("POST", f"/v1/keys/{key_id}/revoke"), "would_lock_out_caller")
    assert "Confirm-Self-Lockout: true" in detail
    assert table_snapshot(services) == before
    confirmed = as_second.call("POST", f"/v1/keys/{key_id}/revoke", headers=CONFIRM)
    assert confirmed.status_code == 200, confirmed.body
    assert json_of(confirmed)["status"] == "revoked"


def test_an_allowlist_that_leaves_out_your_own_address_is_refused_unless_confirmed(
    second: tuple[str, Api], services: Services
) -> None:
    key_id, as_second = second
    elsewhere = {"ip_allowlist": ["203.0.113.0/24"]}
    before = table_snapshot(services)
    detail = refused(
        as_second.call("PATCH", f"/v1/keys/{key_id}", elsewhere), "would_lock_out_caller"
    )
    assert "address this request comes from" in detail
    assert table_snapshot(services) == before
    confirmed = as_second.call("PATCH", f"/v1/keys/{key_id}", elsewhere, headers=CONFIRM)
    assert confirmed.status_code == 200, confirmed.body
    assert as_second.call("GET", "/v1/keys").status_code == 401


def test_an_allowlist_that_still_admits_you_needs_no_confirmation(
    second: tuple[str, Api],
) -> None:
    key_id, as_second = second
    here = {"ip_allowlist": ["127.0.0.0/8", "203.0.113.0/24"]}
    assert as_second.call("PATCH", f"/v1/keys/{key_id}", here).status_code == 200
    assert as_second.call("GET", "/v1/keys").status_code == 200


def test_moving_your_own_key_to_a_group_without_keys_manage_is_refused_unless_confirmed(
    api: Api, second: tuple[str, Api], services: Services
) -> None:
    key_id, as_second = second
    readers = group(api, "Readers", ["keys:read"])
    move = {"group_id": readers}
    before = table_snapshot(services)
    refused(as_second.call("PATCH", f"/v1/keys/{key_id}", move), "would_lock_out_caller")
    assert table_snapshot(services) == before
    assert as_second.call("PATCH", f"/v1/keys/{key_id}", move, headers=CONFIRM).status_code == 200
    assert as_second.call("POST", "/v1/groups", {"name": "Nope"}).status_code == 403


def test_moving_your_own_key_to_another_managing_group_needs_no_confirmation(
    api: Api, second: tuple[str, Api]
) -> None:
    key_id, as_second = second
    admins = group(api, "Admins too", ADMIN)
    response = as_second.call("PATCH", f"/v1/keys/{key_id}", {"group_id": admins})
    assert response.status_code == 200, response.body


def test_taking_keys_manage_from_your_own_group_is_refused_unless_confirmed(
    api: Api, acme: Tenant, services: Services
) -> None:
    # Another managing group keeps a key, so the tenant is not left without a manager.
    admin(api, group(api, "Security", ADMIN))
    strip = {"permissions": ["keys:read"]}
    before = table_snapshot(services)
    refused(api.call("PATCH", f"/v1/groups/{acme.group_id}", strip), "would_lock_out_caller")
    assert table_snapshot(services) == before
    confirmed = api.call("PATCH", f"/v1/groups/{acme.group_id}", strip, headers=CONFIRM)
    assert confirmed.status_code == 200, confirmed.body
    assert api.call("POST", "/v1/groups", {"name": "Nope"}).status_code == 403


def test_editing_another_key_or_group_needs_no_confirmation(
    api: Api, acme: Tenant, second: tuple[str, Api]
) -> None:
    key_id, _ = second
    readers = group(api, "Readers", ["keys:read"])
    assert api.call("PATCH", f"/v1/keys/{key_id}", {"group_id": readers}).status_code == 200
    assert api.call("PATCH", f"/v1/groups/{readers}", {"permissions": []}).status_code == 200


@pytest.mark.parametrize(
    "change",
    ["revoke itself", "move itself to readers", "strip its group"],
)
def test_the_last_manager_is_never_removed_even_when_confirmed(
    api: Api, acme: Tenant, services: Services, change: str
) -> None:
    me = own_id(api)
    readers = group(api, "Readers", ["keys:read"])
    create_key(api, readers, name="Reader")  # a key that does not manage does not count
    request: tuple[str, str, Any] = {
        "revoke itself": ("POST", f"/v1/keys/{me}/revoke", None),
        "move itself to readers": ("PATCH", f"/v1/keys/{me}", {"group_id": readers}),
        "strip its group": ("PATCH", f"/v1/groups/{acme.group_id}", {"permissions": ["keys:read"]}),
    }[change]
    before = table_snapshot(services)
    detail = refused(api.call(*request, headers=CONFIRM), "last_manager")
    assert "no one able to manage keys" in detail
    assert table_snapshot(services) == before
    assert api.call("GET", "/v1/keys").status_code == 200


def test_an_admin_may_revoke_another_managing_group_s_last_key_while_it_manages(
    api: Api, acme: Tenant
) -> None:
    other_id, as_other = admin(api, group(api, "Security", ADMIN))
    assert api.call("POST", f"/v1/keys/{other_id}/revoke").status_code == 200
    # Now the caller is the last manager: its own revocation is refused, confirmed or not.
    refused(api.call("POST", f"/v1/keys/{own_id(api)}/revoke", headers=CONFIRM), "last_manager")
    assert as_other.call("GET", "/v1/keys").status_code == 401


def test_one_of_two_keys_in_the_managing_group_may_leave_it(
    api: Api, second: tuple[str, Api]
) -> None:
    key_id, as_second = second
    response = as_second.call("POST", f"/v1/keys/{key_id}/revoke", headers=CONFIRM)
    assert response.status_code == 200, response.body
    refused(api.call("POST", f"/v1/keys/{own_id(api)}/revoke", headers=CONFIRM), "last_manager")


def test_a_managing_group_without_keys_may_lose_keys_manage(api: Api) -> None:
    empty = group(api, "Empty admins", ADMIN)
    response = api.call("PATCH", f"/v1/groups/{empty}", {"permissions": ["keys:read"]})
    assert response.status_code == 200, response.body


def test_the_reference_documents_the_confirmation_on_each_route_that_takes_it(api: Api) -> None:
    spec = json_of(api.call("GET", "/openapi.json"))
    for path, method in (
        ("/v1/keys/{key_id}", "patch"),
        ("/v1/keys/{key_id}/revoke", "post"),
        ("/v1/groups/{group_id}", "patch"),
    ):
        operation = spec["paths"][path][method]
        names = [parameter["name"] for parameter in operation["parameters"]]
        assert "Confirm-Self-Lockout" in names, path
        assert "409" in operation["responses"]


@pytest.mark.parametrize("value", ["yes", "TRUE", "1", ""])
def test_a_confirmation_other_than_true_is_refused_and_changes_nothing(
    second: tuple[str, Api], services: Services, value: str
) -> None:
    key_id, as_second = second
    before = table_snapshot(services)
    response = as_second.call(
        "POST", f"/v1/keys/{key_id}/revoke", headers={"Confirm-Self-Lockout": value}
    )
    assert response.status_code == 422, response.body
    assert json_of(response)["errors"][0]["field"] == "Confirm-Self-Lockout"
    assert table_snapshot(services) == before
