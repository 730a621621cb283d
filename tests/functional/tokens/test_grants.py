"""A key's secret gets a bearer token with every claim; a key in any other state gets none."""

from __future__ import annotations

from typing import Any

from chalicelib.wiring.services import Services
from tests.functional.conftest import create_key, json_of, table_snapshot
from tests.functional.tokens.client import (
    assert_error,
    basic,
    decoded,
    post_token,
    token_request,
)
from tests.support.api import Api
from tests.support.clock import FakeClock
from tests.token_keys import ISSUER


def test_basic_authentication_gets_a_bearer_token_with_every_claim(
    api: Api, key: dict[str, Any], orders_group: str, clock: FakeClock
) -> None:
    response = token_request(api, key)
    assert response.status_code == 200, response.body
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Pragma"] == "no-cache"
    body = json_of(response)
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 300)
    assert body["scope"] == "orders:read orders:write"
    claims = decoded(api, body["access_token"])
    now = int(clock.now.timestamp())
    jti = claims.pop("jti")
    assert isinstance(jti, str)
    assert len(jti) >= 16
    assert claims == {
        "iss": ISSUER,
        "sub": key["key"]["id"],
        "client_id": key["key"]["id"],
        # The group narrows routes: a JWT authorizer, which checks only scope, must refuse it.
        "aud": "orders-api#latchkey-only",
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "scope": "orders:read orders:write",
        "tenant_id": "acme",
        "group_id": orders_group,
        "routes": ["GET /orders/*", "POST /orders"],
    }


def test_post_authentication_gets_a_token_too(api: Api, key: dict[str, Any]) -> None:
    form = {
        "grant_type": "client_credentials",
        "client_id": key["key"]["id"],
        "client_secret": key["secret"],
    }
    response = post_token(api, form)
    assert response.status_code == 200, response.body
    assert decoded(api, json_of(response)["access_token"])["sub"] == key["key"]["id"]


def test_a_requested_scope_narrows_the_token(api: Api, key: dict[str, Any]) -> None:
    body = json_of(token_request(api, key, scope="orders:read"))
    assert body["scope"] == "orders:read"
    assert decoded(api, body["access_token"])["scope"] == "orders:read"


def test_every_new_token_has_its_own_id(api: Api, key: dict[str, Any]) -> None:
    scopes = ("orders:read", "orders:write", "orders:read orders:write")
    tokens = [json_of(token_request(api, key, scope=scope))["access_token"] for scope in scopes]
    ids = {decoded(api, token)["jti"] for token in tokens}
    assert len(ids) == 3


def test_the_ip_allowlist_is_in_the_token_and_checked_on_the_request(
    api: Api, orders_group: str
) -> None:
    fenced = create_key(api, orders_group, ip_allowlist=["10.0.0.0/8"])
    # chalice's test client sends from 127.0.0.1: outside the allowlist.
    assert_error(token_request(api, fenced), 401, "invalid_client")
    open_key = create_key(api, orders_group, ip_allowlist=["127.0.0.1"])
    claims = decoded(api, json_of(token_request(api, open_key))["access_token"])
    assert claims["ip_allowlist"] == ["127.0.0.1"]


def test_the_lifetime_never_passes_the_keys_expiry(
    api: Api, orders_group: str, clock: FakeClock
) -> None:
    soon = create_key(api, orders_group, expires_at="2026-11-24T12:02:00Z")  # 120 s away
    body = json_of(token_request(api, soon))
    assert body["expires_in"] == 120
    assert decoded(api, body["access_token"])["exp"] == int(clock.now.timestamp()) + 120


def test_the_old_secret_in_a_grace_period_gets_tokens_ending_with_the_grace(
    api: Api, key: dict[str, Any]
) -> None:
    api.call("POST", f"/v1/keys/{key['key']['id']}/rotate", {"grace_period_seconds": 60})
    body = json_of(token_request(api, key))
    assert body["expires_in"] == 60


def test_revoked_expired_unknown_and_wrong_secret_keys_get_invalid_client(
    api: Api, orders_group: str, clock: FakeClock, services: Services
) -> None:
    revoked = create_key(api, orders_group)
    api.call("POST", f"/v1/keys/{revoked['key']['id']}/revoke")
    expiring = create_key(api, orders_group, expires_at="2026-11-24T12:30:00Z")
    rotated = create_key(api, orders_group)
    api.call("POST", f"/v1/keys/{rotated['key']['id']}/rotate", {})
    good = create_key(api, orders_group)
    clock.advance(hours=1)
    other = create_key(api, orders_group)
    before = table_snapshot(services)
    bodies = [
        assert_error(token_request(api, revoked), 401, "invalid_client"),
        assert_error(token_request(api, expiring), 401, "invalid_client"),
        assert_error(token_request(api, rotated), 401, "invalid_client"),
        # The secret of another key under this key's id.
        assert_error(
            post_token(
                api,
                {"grant_type": "client_credentials"},
                {"Authorization": basic(good["key"]["id"], other["secret"])},
            ),
            401,
            "invalid_client",
        ),
        assert_error(
            post_token(
                api,
                {"grant_type": "client_credentials"},
                {"Authorization": basic("nobody", "lk_test_nothing")},
            ),
            401,
            "invalid_client",
        ),
    ]
    # One body for all of them: nothing says why.
    assert all(body == bodies[0] for body in bodies)
    # Only usage moved (a denial counts, as for every decision): no key, no audit event.
    after = table_snapshot(services)
    usage = services.settings.dynamodb.usage_table
    assert {name: items for name, items in after.items() if name != usage} == {
        name: items for name, items in before.items() if name != usage
    }


def test_a_token_request_reads_the_key_and_its_group_through_one_store(
    api: Api, key: dict[str, Any], services: Services
) -> None:
    assert services.access_tokens is not None
    store = services.access_tokens.store
    assert token_request(api, key).status_code == 200
    assert store.reads == 2  # the key, then its group
    assert token_request(api, key).status_code == 200
    assert store.reads == 4  # nothing cached: each token sees the key and group as they are


def test_a_change_to_the_group_reaches_the_next_token_at_once(
    api: Api, key: dict[str, Any], orders_group: str
) -> None:
    assert token_request(api, key).status_code == 200
    body = {"routes": ["GET /orders/*"], "permissions": ["orders:read"]}
    assert api.call("PATCH", f"/v1/groups/{orders_group}", body).status_code == 200
    claims = decoded(api, json_of(token_request(api, key))["access_token"])
    assert (claims["routes"], claims["scope"]) == (["GET /orders/*"], "orders:read")
