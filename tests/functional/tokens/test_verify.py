"""POST /v1/verify with an access token: the authorizer's codes and the token's allowlist."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.functional.conftest import create_key, json_of
from tests.functional.tokens.client import (
    token_request,
    verify,
)
from tests.support.api import Api
from tests.support.clock import FakeClock


def test_verify_checks_a_token_with_the_authorizers_codes(
    api: Api, key: dict[str, Any], orders_group: str, clock: FakeClock
) -> None:
    token = json_of(token_request(api, key, scope="orders:read"))["access_token"]
    expires = clock.now.timestamp() + 300
    assert verify(api, token=token, route="GET /orders/7") == {
        "valid": True,
        "code": "VALID",
        "key_id": key["key"]["id"],
        "tenant_id": "acme",
        "group_id": orders_group,
        "permissions": ["orders:read"],
        "expires_at": datetime.fromtimestamp(expires, UTC).isoformat().replace("+00:00", "Z"),
    }
    assert verify(api, token=token, route="DELETE /orders/7")["code"] == "ROUTE_NOT_ALLOWED"
    assert verify(api, token=token[:-2] + "xx")["code"] == "TOKEN_INVALID"
    assert verify(api, token="not.a.token")["code"] == "TOKEN_INVALID"
    clock.advance(seconds=330)
    expired = verify(api, token=token)
    assert (expired["valid"], expired["code"]) == (False, "TOKEN_EXPIRED")
    assert expired["key_id"] is None, "an expired token reveals nothing"


def test_verify_checks_the_tokens_allowlist(api: Api, orders_group: str) -> None:
    fenced = create_key(api, orders_group, ip_allowlist=["127.0.0.1"])
    token = json_of(token_request(api, fenced))["access_token"]
    assert verify(api, token=token, source_ip="127.0.0.1")["code"] == "VALID"
    assert verify(api, token=token, source_ip="192.0.2.1")["code"] == "IP_NOT_ALLOWED"
    assert verify(api, token=token)["code"] == "IP_NOT_ALLOWED"


@pytest.mark.parametrize("body", [{}, {"key": "a", "token": "b"}, {"key": None, "token": "b"}])
def test_verify_takes_exactly_one_of_key_and_token(api: Api, body: dict[str, str | None]) -> None:
    response = api.as_key(None).call("POST", "/v1/verify", body)
    assert response.status_code == 422
    assert json_of(response)["code"] == "validation_failed"
