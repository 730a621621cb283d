"""What one key can spend on KMS: a still-fresh token answered again, then 429.

The token keys are wired as in AWS over a fake KMS client (tests/support/fake_kms.py), so
``kms.signs()`` counts the ``kms:Sign`` calls each request cost.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.config.access_tokens import AccessTokenSettings
from chalicelib.wiring.services import Services, build_services, set_services
from tests.functional.conftest import create_key, json_of
from tests.functional.tokens.client import token_request
from tests.support.api import Api
from tests.support.clock import FakeClock
from tests.support.fake_kms import FakeKms, kms_token_keys, two_key_kms
from tests.support.settings import settings_for_tests
from tests.token_keys import ISSUER

SIGNS_PER_MINUTE = 3


@pytest.fixture
def kms() -> FakeKms:
    return two_key_kms()


@pytest.fixture
def services(moto: object, clock: FakeClock, kms: FakeKms) -> Iterator[Services]:
    settings = settings_for_tests(
        access_tokens=AccessTokenSettings(
            issuer=ISSUER, audience="orders-api", signs_per_key_per_minute=SIGNS_PER_MINUTE
        )
    )
    built = build_services(settings, clock, token_keys=kms_token_keys(kms))
    set_services(built)
    yield built
    set_services(None)


def granted(api: Api, made: dict[str, Any], **form: str) -> dict[str, Any]:
    response = token_request(api, made, **form)
    assert response.status_code == 200, response.body
    body: dict[str, Any] = json_of(response)
    return body


def test_the_same_key_and_scope_get_the_same_token_with_its_remaining_lifetime(
    api: Api, key: dict[str, Any], kms: FakeKms, clock: FakeClock
) -> None:
    first = granted(api, key, scope="orders:read")
    clock.advance(seconds=100)
    again = granted(api, key, scope="orders:read")

    assert again["access_token"] == first["access_token"]
    assert (first["expires_in"], again["expires_in"]) == (300, 200)
    assert again["scope"] == "orders:read"
    assert kms.signs() == 1


def test_another_scope_gets_a_new_token(api: Api, key: dict[str, Any], kms: FakeKms) -> None:
    read = granted(api, key, scope="orders:read")
    write = granted(api, key, scope="orders:write")

    assert read["access_token"] != write["access_token"]
    assert kms.signs() == 2


def test_a_token_past_half_its_life_is_not_answered_again(
    api: Api, key: dict[str, Any], kms: FakeKms, clock: FakeClock
) -> None:
    first = granted(api, key)
    clock.advance(seconds=150)
    later = granted(api, key)

    assert later["access_token"] != first["access_token"]
    assert later["expires_in"] == 300
    assert kms.signs() == 2


def test_an_expired_token_is_never_answered_again(
    api: Api, key: dict[str, Any], clock: FakeClock
) -> None:
    first = granted(api, key)
    clock.advance(seconds=301)

    assert granted(api, key)["access_token"] != first["access_token"]


def test_a_revoked_key_is_refused_though_its_token_is_still_fresh(
    api: Api, key: dict[str, Any]
) -> None:
    granted(api, key)
    api.call("POST", f"/v1/keys/{key['key']['id']}/revoke", {})

    response = token_request(api, key)

    assert response.status_code == 401
    assert json_of(response)["error"] == "invalid_client"


def test_a_token_is_never_answered_to_another_key(
    api: Api, key: dict[str, Any], orders_group: str, kms: FakeKms
) -> None:
    other = create_key(api, orders_group, expires_at="2027-01-01T00:00:00Z")

    mine = granted(api, key, scope="orders:read")
    theirs = granted(api, other, scope="orders:read")

    assert mine["access_token"] != theirs["access_token"]
    assert kms.signs() == 2


def test_an_edited_allowlist_gets_a_new_token(api: Api, key: dict[str, Any]) -> None:
    first = granted(api, key)
    edit = api.call("PATCH", f"/v1/keys/{key['key']['id']}", {"ip_allowlist": "127.0.0.1"})
    assert edit.status_code == 200, edit.body

    assert granted(api, key)["access_token"] != first["access_token"]


def test_past_the_keys_rate_the_endpoint_answers_429_with_retry_after(
    api: Api, key: dict[str, Any], orders_group: str, kms: FakeKms
) -> None:
    scopes = ["orders:read", "orders:write", "orders:read orders:write"]
    for scope in scopes:
        granted(api, key, scope=scope)

    refused = token_request(api, key, scope="orders:write orders:read")

    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "20"  # one signature per 60/3 seconds
    assert refused.headers["Cache-Control"] == "no-store"
    assert json_of(refused)["error"] == "temporarily_unavailable"
    assert kms.signs() == SIGNS_PER_MINUTE
    # Reused tokens still come, and another key has its own rate.
    assert granted(api, key, scope="orders:read")
    assert granted(api, create_key(api, orders_group))


def test_the_rate_refills_with_time(
    api: Api, key: dict[str, Any], clock: FakeClock, kms: FakeKms
) -> None:
    scopes = ["orders:read", "orders:write", "orders:read orders:write"]
    for scope in scopes:
        granted(api, key, scope=scope)
    assert token_request(api, key, scope="orders:write orders:read").status_code == 429

    clock.advance(seconds=20)

    assert granted(api, key, scope="orders:write orders:read")
    assert kms.signs() == SIGNS_PER_MINUTE + 1
