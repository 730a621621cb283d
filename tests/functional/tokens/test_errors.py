"""Every RFC 6749 section 5.2 error, and hostile requests: an RFC error, never a 5xx."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.wiring.services import Services
from tests.conftest import Counters
from tests.functional.conftest import json_of
from tests.functional.tokens.client import (
    FORM,
    assert_error,
    basic,
    post_token,
    token_request,
)
from tests.support.api import Api
from tests.support.examples import THROUGH_THE_APP


def test_no_credentials_is_invalid_client_with_a_basic_challenge(api: Api) -> None:
    assert_error(post_token(api, {"grant_type": "client_credentials"}), 401, "invalid_client")


def test_a_client_id_without_a_secret_is_invalid_client(api: Api, key: dict[str, Any]) -> None:
    form = {"grant_type": "client_credentials", "client_id": key["key"]["id"]}
    assert_error(post_token(api, form), 401, "invalid_client")


@pytest.mark.parametrize(
    "authorization",
    ["Basic !!!notbase64", "Basic " + base64.b64encode(b"no-colon").decode(), "Digest abc"],
)
def test_a_malformed_authorization_header_is_invalid_client(api: Api, authorization: str) -> None:
    response = post_token(
        api, {"grant_type": "client_credentials"}, {"Authorization": authorization}
    )
    assert_error(response, 401, "invalid_client")


def test_two_authentication_methods_are_an_invalid_request(api: Api, key: dict[str, Any]) -> None:
    form = {
        "grant_type": "client_credentials",
        "client_id": key["key"]["id"],
        "client_secret": key["secret"],
    }
    auth = {"Authorization": basic(key["key"]["id"], key["secret"])}
    assert_error(post_token(api, form, auth), 400, "invalid_request")


def test_a_missing_grant_type_is_an_invalid_request(api: Api, key: dict[str, Any]) -> None:
    auth = {"Authorization": basic(key["key"]["id"], key["secret"])}
    assert_error(post_token(api, {}, auth), 400, "invalid_request")


@pytest.mark.parametrize("grant", ["authorization_code", "password", "refresh_token", "x"])
def test_another_grant_type_is_unsupported(api: Api, key: dict[str, Any], grant: str) -> None:
    auth = {"Authorization": basic(key["key"]["id"], key["secret"])}
    assert_error(post_token(api, {"grant_type": grant}, auth), 400, "unsupported_grant_type")


def test_a_repeated_parameter_is_an_invalid_request(api: Api, key: dict[str, Any]) -> None:
    auth = {"Authorization": basic(key["key"]["id"], key["secret"])}
    body = "grant_type=client_credentials&grant_type=client_credentials"
    assert_error(post_token(api, body, auth), 400, "invalid_request")


def test_a_json_body_is_an_invalid_request(api: Api, key: dict[str, Any]) -> None:
    auth = {"Authorization": basic(key["key"]["id"], key["secret"])}
    response = api.client.http.post(
        "/oauth2/token",
        headers={"Content-Type": "application/json"} | auth,
        body=json.dumps({"grant_type": "client_credentials"}).encode(),
    )
    assert_error(response, 400, "invalid_request")


@pytest.mark.parametrize("scope", ["keys:manage", "orders:read keys:manage", "", "a  b", 'x"y'])
def test_a_scope_beyond_the_group_is_invalid_scope(
    api: Api, key: dict[str, Any], scope: str
) -> None:
    assert_error(token_request(api, key, scope=scope), 400, "invalid_scope")


def test_refused_requests_never_echo_the_secret(api: Api, key: dict[str, Any]) -> None:
    responses = [
        token_request(api, key, scope="keys:manage"),
        post_token(api, {"grant_type": "x", "client_id": "a", "client_secret": key["secret"]}),
    ]
    for response in responses:
        assert key["secret"] not in response.body.decode()


HOSTILE = THROUGH_THE_APP
FIELDS = ["grant_type", "client_id", "client_secret", "scope", "x"]


@HOSTILE
@given(
    form=st.dictionaries(st.sampled_from(FIELDS), st.text(max_size=80), max_size=5),
    raw=st.binary(max_size=200),
    authorization=st.none() | st.text(max_size=80).map(lambda text: "Basic " + text),
    use_raw=st.booleans(),
)
def test_hostile_token_requests_get_an_rfc_error_and_never_a_5xx(
    api: Api,
    reliability: Counters,
    form: dict[str, str],
    raw: bytes,
    authorization: str | None,
    use_raw: bool,
) -> None:
    reliability.hostile += 1
    headers = FORM | ({"Authorization": authorization} if authorization else {})
    body = raw if use_raw else urlencode(form).encode()
    try:
        response = api.client.http.post("/oauth2/token", headers=headers, body=body)
    except (UnicodeError, ValueError):
        return  # the test client itself refused to send it (a header it cannot encode)
    if response.status_code >= 500:
        reliability.five_xx += 1
    assert response.status_code in (400, 401), response.body
    assert json_of(response)["error"] in {
        "invalid_request",
        "invalid_client",
        "unsupported_grant_type",
        "invalid_scope",
    }


def test_failed_client_authentication_leaves_nothing_pending_for_the_made_up_id(
    api: Api, key: dict[str, Any], services: Services
) -> None:
    made_up = [f"nobody-{n}" for n in range(20)] + ["x" * 3000, key["secret"]]
    for client_id in made_up:
        form = {"grant_type": "client_credentials", "client_id": client_id}
        response = post_token(api, form | {"client_secret": key["secret"]})
        assert_error(response, 401, "invalid_client")

    tokens = services.access_tokens
    assert tokens is not None
    assert tokens.usage.held == (0, 0)
    # An authenticated key is counted and flushed as before.
    assert token_request(api, key).status_code == 200
    assert tokens.usage.held == (0, 1)
