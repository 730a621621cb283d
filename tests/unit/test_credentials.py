"""One reading of the credential headers, for the authorizer and the management API."""

from __future__ import annotations

import pytest
from chalice.app import CaseInsensitiveMapping

from chalicelib.domain.credentials import Credentials, read_credentials, read_token

KEY = "lk_live_AAAA_secret"
TOKEN = "eyJ.payload.sig"


def test_a_key_and_a_bearer_token_are_read_in_any_case_of_the_header_names() -> None:
    found = read_credentials({"X-Api-Key": KEY, "AUTHORIZATION": f"bearer {TOKEN}"})
    assert found == Credentials(KEY, f"bearer {TOKEN}")
    assert found.bearer == TOKEN


def test_chalices_case_insensitive_headers_read_like_a_plain_dict() -> None:
    headers = CaseInsensitiveMapping({"X-API-Key": KEY})
    assert read_credentials(headers).api_key == KEY


def test_a_scheme_other_than_bearer_is_no_bearer_token() -> None:
    found = read_credentials({"authorization": "Basic dXNlcjpwYXNz"})
    assert found.authorization == "Basic dXNlcjpwYXNz"
    assert found.bearer is None


@pytest.mark.parametrize("header", ["X-API-Key", "Authorization"])
@pytest.mark.parametrize(
    ("single", "many"),
    [
        ("Bearer b", ["Bearer a", "Bearer b"]),  # API Gateway REST: last in headers
        ("Bearer b", ["Bearer b", "Bearer a"]),
        ("Bearer a,Bearer b", None),  # HTTP API: joined with a comma
        ("Bearer a, Bearer a", None),
    ],
)
def test_a_credential_header_sent_twice_is_ambiguous_and_yields_nothing(
    header: str, single: str, many: list[str] | None
) -> None:
    found = read_credentials({header: single}, None if many is None else {header: many})
    assert found.ambiguous
    assert (found.api_key, found.authorization, found.bearer) == (None, None, None)


def test_the_same_value_twice_is_one_value() -> None:
    found = read_credentials(
        {"authorization": f"Bearer {TOKEN}"},
        {"Authorization": [f"Bearer {TOKEN}", f"Bearer {TOKEN}"]},
    )
    assert not found.ambiguous
    assert found.bearer == TOKEN


@pytest.mark.parametrize("headers", [None, "x", [], {1: KEY}, {"x-api-key": 7}])
def test_headers_of_a_wrong_type_count_as_absent(headers: object) -> None:
    assert read_credentials(headers, {"x-api-key": "not a list"}) == Credentials(None, None)


def test_a_token_events_value_is_a_bearer_token_or_a_key() -> None:
    assert read_token(f"Bearer {TOKEN}").bearer == TOKEN
    assert read_token(KEY) == Credentials(KEY, None)
    assert read_token(None) == Credentials(None, None)
    assert read_token(f"Bearer {TOKEN},Bearer {TOKEN}x").ambiguous
