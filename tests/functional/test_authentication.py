"""X-API-Key on the management API: one 401 for every failure, 403 for a missing permission."""

from __future__ import annotations

import pytest

from chalicelib.wiring.services import Services
from tests.functional.conftest import create_key, json_of, table_snapshot
from tests.support.api import Api, Tenant
from tests.support.clock import FakeClock
from tests.support.proxy_events import invoke, rest_event


def unauthenticated(api: Api, token: str | None) -> bytes:
    response = api.as_key(token).call("GET", "/v1/keys")
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/problem+json"
    body: bytes = response.body
    return body


def test_every_bad_credential_gets_the_same_401(api: Api, acme: Tenant, clock: FakeClock) -> None:
    revoked = create_key(api, acme.group_id)
    api.call("POST", f"/v1/keys/{revoked['key']['id']}/revoke")
    expiring = create_key(api, acme.group_id, expires_at="2026-11-24T12:30:00Z")
    fenced = create_key(api, acme.group_id, ip_allowlist=["192.0.2.0/24"])  # not 127.0.0.1
    good = create_key(api, acme.group_id)["secret"]
    wrong_secret = good[:30] + ("A" if good[30] != "A" else "B") + good[31:]
    clock.advance(hours=1)
    bodies = {
        unauthenticated(api, None),
        unauthenticated(api, ""),
        unauthenticated(api, "not a key"),
        unauthenticated(api, "lk_live" + good[7:]),
        unauthenticated(api, wrong_secret),
        unauthenticated(api, revoked["secret"]),
        unauthenticated(api, expiring["secret"]),
        unauthenticated(api, fenced["secret"]),
    }
    assert len(bodies) == 1
    assert json_of(api.as_key(None).call("GET", "/v1/keys"))["code"] == "unauthenticated"


def test_allowlisted_source_address_is_accepted(api: Api, acme: Tenant) -> None:
    secret = create_key(api, acme.group_id, ip_allowlist=["127.0.0.0/8", "::1"])["secret"]
    assert api.as_key(secret).call("GET", "/v1/keys").status_code == 200


def test_forwarded_for_header_cannot_open_an_allowlist(api: Api, acme: Tenant) -> None:
    secret = create_key(api, acme.group_id, ip_allowlist=["192.0.2.0/24"])["secret"]
    spoofed = api.as_key(secret).call("GET", "/v1/keys", headers={"X-Forwarded-For": "192.0.2.10"})
    assert spoofed.status_code == 401


def test_header_name_is_case_insensitive(api: Api, acme: Tenant) -> None:
    response = api.as_key(None).call("GET", "/v1/keys", headers={"x-api-key": acme.token})
    assert response.status_code == 200


@pytest.fixture
def reader(api: Api) -> Api:
    group = json_of(api.call("POST", "/v1/groups", {"name": "Read", "permissions": ["keys:read"]}))
    return api.as_key(create_key(api, group["id"])["secret"])


@pytest.mark.parametrize("path", ["/v1/keys", "/v1/groups"])
def test_read_permission_allows_reads(reader: Api, path: str) -> None:
    assert reader.call("GET", path).status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v1/keys", {"name": "Nope", "group_id": "x"}),
        ("POST", "/v1/groups", {"name": "Nope"}),
        ("POST", "/v1/keys/AAAAAAAAAAAAAAAA/revoke", None),
        ("POST", "/v1/keys/AAAAAAAAAAAAAAAA/rotate", None),
        ("PATCH", "/v1/keys/AAAAAAAAAAAAAAAA", {"name": "Nope"}),
        ("DELETE", "/v1/groups/grp_x", None),
    ],
)
def test_read_permission_cannot_write(
    reader: Api, services: Services, method: str, path: str, body: object
) -> None:
    before = table_snapshot(services)
    response = reader.call(method, path, body)
    assert (response.status_code, json_of(response)["code"]) == (403, "forbidden")
    assert table_snapshot(services) == before


def test_key_without_permissions_cannot_read(api: Api) -> None:
    group = json_of(api.call("POST", "/v1/groups", {"name": "Downstream only"}))
    plain = api.as_key(create_key(api, group["id"])["secret"])
    assert plain.call("GET", "/v1/keys").status_code == 403


@pytest.mark.parametrize("content_type", ["text/html", "multipart/form-data; boundary=x", "x/y"])
def test_authentication_comes_before_the_content_type(
    api: Api, acme: Tenant, services: Services, content_type: str
) -> None:
    # Chalice answers a content type a route does not list with its own 415 before the view
    # runs; every route lists all of them, so a caller without a key gets the 401.
    before = table_snapshot(services)
    body = {"name": "Sneaky", "group_id": acme.group_id}
    headers = {"Content-Type": content_type}
    response = api.as_key(None).call("POST", "/v1/keys", body, headers=headers)
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/problem+json"
    assert table_snapshot(services) == before


# --- one X-API-Key per request --------------------------------------------------


def test_two_api_keys_comma_joined_are_refused_even_when_both_are_good(
    api: Api, acme: Tenant, services: Services
) -> None:
    other = create_key(api, acme.group_id)["secret"]
    before = table_snapshot(services)
    for joined in (f"{acme.token}, {other}", f"{acme.token},{acme.token}", f"{acme.token},"):
        response = api.as_key(joined).call("POST", "/v1/groups", {"name": "Twice"})
        assert response.status_code == 401, joined
        assert json_of(response)["code"] == "unauthenticated"
    assert table_snapshot(services) == before


def test_two_api_keys_in_multi_value_headers_are_refused(api: Api, acme: Tenant) -> None:
    other = create_key(api, acme.group_id)["secret"]
    for first, last in ((acme.token, other), (other, acme.token), ("wrong", acme.token)):
        event = rest_event(
            "GET",
            "/v1/keys",
            {"X-API-Key": last},  # API Gateway REST puts the last value here
            multi_value_headers={"X-API-Key": [first, last]},
        )
        response = invoke(event)
        assert response["statusCode"] == 401, (first, last)
    # The same value twice is still one key.
    same = rest_event(
        "GET",
        "/v1/keys",
        {"X-API-Key": acme.token},
        multi_value_headers={"x-api-key": [acme.token, acme.token]},
    )
    assert invoke(same)["statusCode"] == 200
