"""GET /v1/keys and GET /v1/keys/{id}: order, filters, pagination and usage."""

from __future__ import annotations

import pytest

from chalicelib.wiring.services import Services
from tests.functional.conftest import create_key, json_of, table_snapshot
from tests.support.api import Api, Tenant
from tests.support.clock import FakeClock


def names(api: Api, query: str = "") -> list[str]:
    response = api.call("GET", f"/v1/keys{query}")
    assert response.status_code == 200, response.body
    return [key["name"] for key in json_of(response)["keys"]]


@pytest.fixture
def fleet(api: Api, acme: Tenant, clock: FakeClock, services: Services) -> dict[str, str]:
    """Keys in every state, created a minute apart: name -> id."""
    services.tenants.set_limit("acme", 20)
    made = {}
    for name, fields in [
        ("forever", {}),
        ("next-year", {"expires_at": "2027-11-24T12:00:00Z"}),
        ("in-3-days", {"expires_at": "2026-11-27T13:00:00Z"}),
        ("in-2-hours", {"expires_at": "2026-11-24T14:10:00Z"}),
        ("revoked", {}),
    ]:
        clock.advance(minutes=1)
        made[name] = create_key(api, acme.group_id, name=name, **fields)["key"]["id"]
    api.call("POST", f"/v1/keys/{made['revoked']}/revoke")
    return made


def test_list_is_newest_first_with_usage(api: Api, fleet: dict[str, str]) -> None:
    response = json_of(api.call("GET", "/v1/keys"))
    assert [key["name"] for key in response["keys"]] == [
        "revoked",
        "in-2-hours",
        "in-3-days",
        "next-year",
        "forever",
        "Admin key",
    ]
    assert response["key_usage"] == {"used": 5, "limit": 20}
    assert response["next_cursor"] is None


def test_status_filter(api: Api, fleet: dict[str, str]) -> None:
    assert names(api, "?status=revoked") == ["revoked"]
    assert "revoked" not in names(api, "?status=active")


def test_expiry_filters_follow_the_clock(api: Api, fleet: dict[str, str], clock: FakeClock) -> None:
    assert names(api, "?expiry=expiring_soon") == ["in-2-hours", "in-3-days"]
    assert names(api, "?expiry=expired") == []
    # By expiry, soonest first; keys without expiry last, oldest first.
    assert names(api, "?expiry=valid") == ["next-year", "Admin key", "forever", "revoked"]
    clock.advance(hours=3)
    assert names(api, "?expiry=expired") == ["in-2-hours"]
    assert names(api, "?expiry=expiring_soon&status=active") == ["in-3-days"]


def test_expired_key_shows_expired_and_never_authenticates(
    api: Api, acme: Tenant, clock: FakeClock
) -> None:
    body = create_key(api, acme.group_id, expires_at="2026-11-24T13:00:00Z")
    clock.advance(hours=1)
    assert api.as_key(body["secret"]).call("GET", "/v1/keys").status_code == 401
    key = json_of(api.call("GET", f"/v1/keys/{body['key']['id']}"))
    assert key["expiry_state"] == "expired"


def test_pages_cover_every_key_once(api: Api, fleet: dict[str, str]) -> None:
    seen: list[str] = []
    query = "?limit=2"
    pages = 0
    while True:
        page = json_of(api.call("GET", f"/v1/keys{query}"))
        seen += [key["name"] for key in page["keys"]]
        pages += 1
        if page["next_cursor"] is None:
            break
        assert len(page["keys"]) == 2
        query = f"?limit=2&cursor={page['next_cursor']}"
    assert seen == names(api)
    assert pages == 3


def test_filtered_pages_are_full(api: Api, fleet: dict[str, str]) -> None:
    page = json_of(api.call("GET", "/v1/keys?status=active&limit=3"))
    assert [key["name"] for key in page["keys"]] == ["in-2-hours", "in-3-days", "next-year"]
    rest = json_of(api.call("GET", f"/v1/keys?status=active&limit=3&cursor={page['next_cursor']}"))
    assert [key["name"] for key in rest["keys"]] == ["forever", "Admin key"]
    assert rest["next_cursor"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?limit=0", "limit"),
        ("?limit=101", "limit"),
        ("?limit=ten", "limit"),
        ("?status=deleted", "status"),
        ("?expiry=soonish", "expiry"),
        ("?cursor=not-a-cursor", "cursor"),
        ("?colour=blue", "query"),  # an unknown name is never repeated
    ],
)
def test_bad_query_is_a_422_naming_the_parameter(api: Api, query: str, field: str) -> None:
    response = api.call("GET", f"/v1/keys{query}")
    assert response.status_code == 422
    assert field in [error["field"] for error in json_of(response)["errors"]]


def test_get_one_key(api: Api, fleet: dict[str, str]) -> None:
    key = json_of(api.call("GET", f"/v1/keys/{fleet['in-3-days']}"))
    assert key["name"] == "in-3-days"
    assert key["expires_at"] == "2026-11-27T13:00:00Z"
    assert key["expiry_state"] == "expiring_soon"


def test_unknown_key_is_404(api: Api, services: Services) -> None:
    before = table_snapshot(services)
    response = api.call("GET", "/v1/keys/AAAAAAAAAAAAAAAA")
    assert response.status_code == 404
    assert json_of(response)["code"] == "not_found"
    assert table_snapshot(services) == before
