"""When KMS fails: the JWKS publishes what was fetched, and nothing answers 500.

The token keys are wired as in AWS (KmsSigner and KmsPublicKeys) over an injected fake
KMS client (tests/support/fake_kms.py) whose keys can be made to fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.config.access_tokens import AccessTokenSettings
from chalicelib.wiring.services import Services, build_services, set_services
from tests.functional.conftest import json_of
from tests.functional.tokens.client import token_request
from tests.support.api import Api
from tests.support.clock import FakeClock, FakeMonotonic
from tests.support.fake_kms import FakeKms, kms_token_keys, two_key_kms
from tests.support.settings import settings_for_tests
from tests.token_keys import ISSUER, local_signer


@pytest.fixture
def kms() -> FakeKms:
    return two_key_kms()


@pytest.fixture
def ticks() -> FakeMonotonic:
    return FakeMonotonic()


@pytest.fixture
def services(
    moto: object, clock: FakeClock, kms: FakeKms, ticks: FakeMonotonic
) -> Iterator[Services]:
    settings = settings_for_tests(
        access_tokens=AccessTokenSettings(issuer=ISSUER, audience="orders-api")
    )
    built = build_services(
        settings, clock, token_keys=kms_token_keys(kms, "signing", "next", ticks)
    )
    set_services(built)
    yield built
    set_services(None)


def jwks(api: Api) -> Any:
    return api.client.http.get("/.well-known/jwks.json")


def test_a_missing_next_key_leaves_the_signing_key_published(api: Api, kms: FakeKms) -> None:
    kms.failing.add("next")

    response = jwks(api)

    assert response.status_code == 200
    kids = [entry["kid"] for entry in json_of(response)["keys"]]
    assert kids == [local_signer().key_id()]
    assert response.headers["Cache-Control"] == "public, max-age=60"


def test_the_jwks_answers_503_with_retry_after_only_when_no_key_is_available(
    api: Api, kms: FakeKms, ticks: FakeMonotonic
) -> None:
    kms.failing.update({"signing", "next"})
    first = jwks(api)
    ticks.now += 20
    second = jwks(api)

    assert (first.status_code, first.headers["Retry-After"]) == (503, "60")
    assert (second.status_code, second.headers["Retry-After"]) == (503, "40")
    assert kms.calls["GetPublicKey", "signing"] == 1, "one fetch a minute per key"


def test_tokens_are_issued_while_only_the_next_key_is_missing(
    api: Api, kms: FakeKms, key: dict[str, object]
) -> None:
    kms.failing.add("next")

    response = token_request(api, key)

    assert response.status_code == 200


def test_verify_answers_503_with_retry_after_when_the_signing_key_is_unavailable(
    api: Api, kms: FakeKms, key: dict[str, object]
) -> None:
    token = json_of(token_request(api, key))["access_token"]
    # A fresh container, whose first GetPublicKey fails.
    fresh = two_key_kms({"signing", "next"})
    settings = settings_for_tests(
        access_tokens=AccessTokenSettings(issuer=ISSUER, audience="orders-api")
    )
    set_services(
        build_services(settings, FakeClock(), token_keys=kms_token_keys(fresh, "signing", "next"))
    )

    response = api.as_key(None).call("POST", "/v1/verify", {"token": token})

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"
    assert json_of(response)["code"] == "service_unavailable"


def test_the_token_endpoint_says_when_to_retry_a_signing_key_failure(
    api: Api, kms: FakeKms, key: dict[str, object]
) -> None:
    kms.failing.update({"signing", "next"})

    response = token_request(api, key)

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"
    assert json_of(response)["error"] == "temporarily_unavailable"
