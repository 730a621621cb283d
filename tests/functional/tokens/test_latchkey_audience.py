"""Tokens a JWT authorizer must not accept: a key with an allowlist, a group that narrows routes.

API Gateway's JWT authorizer (infra/examples/http-api-jwt.yaml) checks the signature,
``iss``, ``aud`` and the route's scopes, nothing else: it would let such a token through
from any address, on any route its scope names. Their ``aud`` is therefore
``<audience>#latchkey-only``, which only Latchkey's authorizer and ``/v1/verify`` accept,
and both still enforce the token's allowlist and routes.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import jwt
import pytest

from chalicelib.authorizer.handler import authorize
from chalicelib.authorizer.runtime import build_runtime
from chalicelib.wiring.services import Services
from tests.functional.conftest import create_key, json_of
from tests.functional.tokens.client import (
    LATCHKEY_AUDIENCE,
    PUBLIC_AUDIENCE,
    decoded,
    token_request,
    verify,
)
from tests.support.api import Api
from tests.support.clock import FakeClock
from tests.support.events import Shape, http_event
from tests.support.iam import iam_allows
from tests.token_keys import local_keys


@pytest.fixture
def everything_group(api: Api) -> str:
    body = {"name": "Everything", "permissions": ["orders:read"], "routes": ["* /*"]}
    return str(json_of(api.call("POST", "/v1/groups", body))["id"])


def jwt_authorizer_accepts(api: Api, token: str) -> bool:
    """API Gateway's JWT authorizer as the README configures it: the public audience."""
    try:
        decoded(api, token, audience=PUBLIC_AUDIENCE)
    except jwt.InvalidAudienceError:
        return False
    return True


def token_of(api: Api, made: dict[str, Any]) -> str:
    response = token_request(api, made)
    assert response.status_code == 200, response.body
    return str(json_of(response)["access_token"])


def test_a_token_of_a_route_limited_group_has_the_latchkey_only_audience(
    api: Api, key: dict[str, Any]
) -> None:
    token = token_of(api, key)

    assert decoded(api, token)["aud"] == LATCHKEY_AUDIENCE
    assert not jwt_authorizer_accepts(api, token)


def test_a_token_of_an_allowlisted_key_has_the_latchkey_only_audience(
    api: Api, everything_group: str
) -> None:
    fenced = create_key(api, everything_group, ip_allowlist=["127.0.0.1"])

    token = token_of(api, fenced)

    assert decoded(api, token)["aud"] == LATCHKEY_AUDIENCE
    assert not jwt_authorizer_accepts(api, token)


def test_a_token_of_an_unlimited_key_keeps_the_public_audience(
    api: Api, everything_group: str
) -> None:
    token = token_of(api, create_key(api, everything_group))

    assert decoded(api, token)["aud"] == PUBLIC_AUDIENCE
    assert jwt_authorizer_accepts(api, token)


def test_verify_accepts_a_latchkey_only_token_and_still_enforces_its_routes(
    api: Api, key: dict[str, Any]
) -> None:
    token = token_of(api, key)

    assert verify(api, token=token, route="GET /orders/7")["code"] == "VALID"
    assert verify(api, token=token, route="DELETE /orders/7")["code"] == "ROUTE_NOT_ALLOWED"


def test_verify_accepts_a_latchkey_only_token_and_still_enforces_its_allowlist(
    api: Api, everything_group: str
) -> None:
    token = token_of(api, create_key(api, everything_group, ip_allowlist=["127.0.0.1"]))

    assert verify(api, token=token, source_ip="127.0.0.1")["code"] == "VALID"
    assert verify(api, token=token, source_ip="192.0.2.1")["code"] == "IP_NOT_ALLOWED"


def test_the_authorizer_accepts_a_latchkey_only_token_and_still_enforces_its_routes(
    api: Api, key: dict[str, Any], services: Services, clock: FakeClock
) -> None:
    token = token_of(api, key)
    runtime = build_runtime(services.settings, clock, token_keys=local_keys().published)
    header = {"Authorization": f"Bearer {token}"}

    def allowed(method: str, path: str) -> bool:
        event = http_event(None, method, path, "127.0.0.1", extra_headers=header)
        return iam_allows(authorize(event, runtime), Shape.HTTP_IAM.method_arn(method, path))

    assert allowed("GET", "/orders/7")
    assert not allowed("DELETE", "/orders/7")


def test_the_authorizer_enforces_a_latchkey_only_tokens_allowlist(
    api: Api, everything_group: str, services: Services, clock: FakeClock
) -> None:
    token = token_of(api, create_key(api, everything_group, ip_allowlist=["127.0.0.1"]))
    settings = replace(services.settings, simple_responses=True)
    runtime = build_runtime(settings, clock, token_keys=local_keys().published)
    header = {"Authorization": f"Bearer {token}"}

    inside = http_event(None, "GET", "/orders/7", "127.0.0.1", extra_headers=header)
    outside = http_event(None, "GET", "/orders/7", "192.0.2.1", extra_headers=header)

    assert authorize(inside, runtime)["isAuthorized"] is True
    assert authorize(outside, runtime)["isAuthorized"] is False


def test_key_and_group_answers_say_whose_tokens_are_latchkey_only(
    api: Api, key: dict[str, Any], orders_group: str, everything_group: str
) -> None:
    open_key = create_key(api, everything_group)["key"]
    fenced = create_key(api, everything_group, ip_allowlist=["127.0.0.1"])["key"]

    def read(path: str) -> dict[str, Any]:
        found: dict[str, Any] = json_of(api.call("GET", path))
        return found

    assert key["key"]["tokens_latchkey_only"] is True
    assert open_key["tokens_latchkey_only"] is False
    assert fenced["tokens_latchkey_only"] is True
    assert read(f"/v1/keys/{open_key['id']}")["tokens_latchkey_only"] is False
    assert read(f"/v1/groups/{orders_group}")["tokens_latchkey_only"] is True
    assert read(f"/v1/groups/{everything_group}")["tokens_latchkey_only"] is False
