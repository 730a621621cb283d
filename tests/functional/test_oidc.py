"""People as operators: bearer tokens from one OpenID Connect issuer, checked offline.

The RSA key pair and the JWKS are made here; nothing reaches a network.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from chalice.test import Client
from cryptography.hazmat.primitives import serialization

from app import app
from chalicelib.api.auth import ONE_CREDENTIAL, ONE_HEADER
from chalicelib.config.oidc import OidcSettings
from chalicelib.identity.oidc import JwksCache, OidcVerifier
from chalicelib.wiring.services import Services, set_services
from tests.fake_issuer import AUDIENCE, ISSUER, JWKS_URL, Issuer
from tests.functional.conftest import json_of, table_snapshot
from tests.support.api import Api, Tenant
from tests.support.clock import FakeClock
from tests.support.proxy_events import invoke, rest_event


@pytest.fixture
def issuer() -> Issuer:
    return Issuer()


@pytest.fixture
def people(services: Services, acme: Tenant, issuer: Issuer, clock: FakeClock) -> Iterator[Api]:
    settings = replace(services.settings, oidc=OidcSettings(issuer=ISSUER, audience=AUDIENCE))
    jwks = JwksCache(JWKS_URL, issuer.jwks, monotonic=lambda: 0.0)
    set_services(replace(services, oidc=OidcVerifier(settings, jwks, clock)))
    with Client(app) as client:
        yield Api(client, None)


def bearer(
    api: Api, token: str, method: str = "GET", path: str = "/v1/keys", body: Any = None
) -> Any:
    return api.call(method, path, body, headers={"Authorization": f"Bearer {token}"})


def test_person_with_the_managing_role_creates_a_key_in_their_tenant(
    people: Api, acme: Tenant, issuer: Issuer, clock: FakeClock
) -> None:
    token = issuer.token(clock)
    created = bearer(
        people, token, "POST", "/v1/keys", {"name": "Made by Ada", "group_id": acme.group_id}
    )
    assert created.status_code == 201, created.body
    assert json_of(created)["key"]["created_by"] == {
        "type": "user",
        "id": "user-123",
        "name": "Ada Lovelace",
    }
    key_id = json_of(created)["key"]["id"]
    revoked = json_of(bearer(people, token, "POST", f"/v1/keys/{key_id}/revoke"))
    assert revoked["revoked_by"]["name"] == "Ada Lovelace"


def test_name_falls_back_to_email(
    people: Api, acme: Tenant, issuer: Issuer, clock: FakeClock
) -> None:
    token = issuer.token(clock, name=None)
    created = bearer(
        people, token, "POST", "/v1/keys", {"name": "By email", "group_id": acme.group_id}
    )
    assert json_of(created)["key"]["created_by"]["name"] == "ada@acme.example"


def test_read_role_reads_but_cannot_write(people: Api, issuer: Issuer, clock: FakeClock) -> None:
    token = issuer.token(clock, **{"cognito:groups": ["Read API credentials"]})
    assert bearer(people, token).status_code == 200
    assert bearer(people, token, "POST", "/v1/groups", {"name": "Nope"}).status_code == 403


def test_person_without_a_mapped_role_is_forbidden(
    people: Api, issuer: Issuer, clock: FakeClock
) -> None:
    token = issuer.token(clock, **{"cognito:groups": ["Sales"]})
    assert bearer(people, token).status_code == 403


def test_tenant_comes_from_the_token(
    people: Api, globex: Tenant, issuer: Issuer, clock: FakeClock
) -> None:
    token = issuer.token(clock, **{"custom:tenant": "globex"})
    listed = json_of(bearer(people, token))
    assert [key["name"] for key in listed["keys"]] == ["Admin key"]
    assert listed["key_usage"]["used"] == 1


@pytest.mark.parametrize(
    ("key_is_good", "token_is_good"), [(True, True), (False, True), (True, False)]
)
def test_a_key_and_a_token_together_are_refused_and_change_nothing(
    people: Api,
    acme: Tenant,
    issuer: Issuer,
    clock: FakeClock,
    services: Services,
    key_is_good: bool,
    token_is_good: bool,
) -> None:
    # A wrong credential must never be outvoted by a right one sent beside it.
    key = acme.token if key_is_good else acme.token[:-1] + ("A" if acme.token[-1] != "A" else "B")
    token = issuer.token(clock) if token_is_good else issuer.token(clock, key=issuer.other)
    before = table_snapshot(services)
    response = people.call(
        "POST",
        "/v1/keys",
        {"name": "Two credentials", "group_id": acme.group_id},
        headers={"Authorization": f"Bearer {token}", "X-API-Key": key},
    )
    assert response.status_code == 401
    assert json_of(response)["detail"] == ONE_CREDENTIAL
    assert table_snapshot(services) == before


def test_any_authorization_header_beside_a_good_key_is_refused(people: Api, acme: Tenant) -> None:
    headers = {"Authorization": "Basic dXNlcjpwYXNz", "X-API-Key": acme.token}
    response = people.call("GET", "/v1/keys", headers=headers)
    assert response.status_code == 401
    assert json_of(response)["detail"] == ONE_CREDENTIAL


def _part(data: dict[str, Any]) -> str:
    """One base64url JWT segment, as an attacker would write it by hand."""
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _forged_claims(clock: FakeClock) -> dict[str, Any]:
    return {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "x",
        "custom:tenant": "acme",
        "cognito:groups": ["Manage API credentials"],
        "exp": int(clock().timestamp()) + 3600,
    }


def _none_alg(clock: FakeClock) -> str:
    return f"{_part({'alg': 'none', 'kid': 'k1'})}.{_part(_forged_claims(clock))}."


def _hs256_with_public_key(issuer: Issuer, clock: FakeClock) -> str:
    public_pem = issuer.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    # PyJWT refuses to sign HS256 with a PEM key, so sign by hand as an attacker would.
    signing_input = f"{_part({'alg': 'HS256', 'kid': 'k1'})}.{_part(_forged_claims(clock))}"
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + base64.urlsafe_b64encode(signature).decode().rstrip("=")


BAD_TOKENS: dict[str, Callable[[Issuer, FakeClock], str]] = {
    "expired": lambda issuer, clock: issuer.token(clock, exp=int(clock().timestamp()) - 120),
    "not yet valid": lambda issuer, clock: issuer.token(clock, nbf=int(clock().timestamp()) + 600),
    "wrong audience": lambda issuer, clock: issuer.token(clock, aud="someone-else"),
    "wrong issuer": lambda issuer, clock: issuer.token(clock, iss="https://evil.example"),
    "unknown kid": lambda issuer, clock: issuer.token(clock, kid="k2"),
    "bad signature": lambda issuer, clock: issuer.token(clock, key=issuer.other),
    "no tenant claim": lambda issuer, clock: issuer.token(clock, **{"custom:tenant": None}),
    "no exp": lambda issuer, clock: issuer.token(clock, exp=None),
    "alg none": lambda issuer, clock: _none_alg(clock),
    "hs256 with the public key": _hs256_with_public_key,
    "garbage": lambda issuer, clock: "not.a.jwt",
}


@pytest.mark.parametrize("case", sorted(BAD_TOKENS))
def test_bad_token_is_a_401_like_any_bad_credential(
    people: Api, issuer: Issuer, clock: FakeClock, case: str
) -> None:
    response = bearer(people, BAD_TOKENS[case](issuer, clock))
    assert response.status_code == 401, case
    assert response.body == people.call("GET", "/v1/keys").body  # same body as no credential


def test_unknown_kid_refetches_the_jwks_at_most_once_a_minute(
    services: Services, issuer: Issuer, clock: FakeClock
) -> None:
    now = [0.0]
    settings = replace(services.settings, oidc=OidcSettings(issuer=ISSUER, audience=AUDIENCE))
    verifier = OidcVerifier(settings, JwksCache(JWKS_URL, issuer.jwks, lambda: now[0]), clock)
    verifier.verify(issuer.token(clock))
    assert issuer.fetches == 1
    for _ in range(5):
        with pytest.raises(Exception, match="unknown signing key"):
            verifier.verify(issuer.token(clock, kid="rotated"))
    assert issuer.fetches == 1, "random kids must not hammer the issuer"
    now[0] = 61.0
    with pytest.raises(Exception, match="unknown signing key"):
        verifier.verify(issuer.token(clock, kid="rotated"))
    assert issuer.fetches == 2


def test_a_roles_claim_given_as_one_string_is_one_role(
    people: Api, issuer: Issuer, clock: FakeClock
) -> None:
    # Role names hold spaces: splitting "Manage API credentials" into words matched nothing.
    token = issuer.token(clock, **{"cognito:groups": "Manage API credentials"})
    assert bearer(people, token, "POST", "/v1/groups", {"name": "By one role"}).status_code == 201
    for text in ("Sales Manage API credentials", "Manage,API credentials", "Read"):
        token = issuer.token(clock, **{"cognito:groups": text})
        assert bearer(people, token).status_code == 403, text


# --- one Authorization header per request, as for X-API-Key --------------------------------


def test_two_authorization_headers_are_refused_even_when_the_last_is_good(
    people: Api, acme: Tenant, issuer: Issuer, clock: FakeClock, services: Services
) -> None:
    good = issuer.token(clock)
    bad = issuer.token(clock, key=issuer.other)
    before = table_snapshot(services)
    for first, last in ((bad, good), (good, bad), (good, good + "x")):
        event = rest_event(
            "POST",
            "/v1/groups",
            {"Authorization": f"Bearer {last}"},  # API Gateway REST puts the last one here
            {"name": "Twice"},
            multi_value_headers={"Authorization": [f"Bearer {first}", f"Bearer {last}"]},
        )
        response = invoke(event)
        assert response["statusCode"] == 401
        assert json.loads(response["body"])["detail"] == ONE_HEADER
    assert table_snapshot(services) == before


def test_two_bearer_tokens_comma_joined_are_refused(
    people: Api, issuer: Issuer, clock: FakeClock
) -> None:
    good = issuer.token(clock)
    response = people.call("GET", "/v1/keys", headers={"Authorization": f"Bearer {good},{good}"})
    assert response.status_code == 401
    assert json_of(response)["detail"] == ONE_HEADER


def test_the_same_authorization_twice_is_one(people: Api, issuer: Issuer, clock: FakeClock) -> None:
    good = f"Bearer {issuer.token(clock)}"
    event = rest_event(
        "GET",
        "/v1/keys",
        {"Authorization": good},
        multi_value_headers={"authorization": [good, good]},
    )
    assert invoke(event)["statusCode"] == 200
