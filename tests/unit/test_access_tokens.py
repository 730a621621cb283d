"""Issuing access tokens, on pure parts: claims, lifetime, scope, the JWS and the JWK.

No AWS: the signer is a PEM key generated for the session (tests/token_keys.py). The
token's signature and ``kid`` are checked with other people's code (PyJWT, joserfc), so
"valid" means what any JOSE library would say.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st
from joserfc.jwk import RSAKey

from chalicelib.domain.access_tokens import (
    TokenRules,
    claims_for,
    expiry_of,
    granted_scope,
)
from chalicelib.domain.errors import ScopeRefused
from chalicelib.domain.signing import compact_jws
from chalicelib.domain.token_check import TokenChecker
from chalicelib.domain.verification import Outcome
from chalicelib.identity.jwk import jwk, thumbprint
from tests.support.examples import PURE
from tests.support.records import make_group, make_key
from tests.token_keys import ISSUER, local_signer

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
RULES = TokenRules(ISSUER, "orders-api", timedelta(minutes=5))
FIVE_MINUTES = int(NOW.timestamp()) + 300


# --- lifetime ------------------------------------------------------------------------------


def test_a_token_lives_the_configured_lifetime_for_a_key_without_expiry() -> None:
    assert expiry_of(NOW, timedelta(minutes=5), make_key(), None) == FIVE_MINUTES


def test_a_token_never_outlives_its_key() -> None:
    key = make_key(expires_at=NOW + timedelta(seconds=42, microseconds=900))
    assert expiry_of(NOW, timedelta(hours=1), key, None) == int(NOW.timestamp()) + 42


def test_a_token_never_outlives_the_grace_period_of_the_secret_that_asked() -> None:
    ends = NOW + timedelta(seconds=10)
    assert expiry_of(NOW, timedelta(minutes=5), make_key(), ends) == int(NOW.timestamp()) + 10


@PURE
@given(
    lifetime=st.integers(1, 3600),
    key_left=st.none() | st.integers(1, 10_000),
    grace_left=st.none() | st.integers(1, 10_000),
)
def test_the_expiry_is_the_earliest_of_lifetime_key_and_secret(
    lifetime: int, key_left: int | None, grace_left: int | None
) -> None:
    key = make_key(expires_at=None if key_left is None else NOW + timedelta(seconds=key_left))
    grace = None if grace_left is None else NOW + timedelta(seconds=grace_left)
    expires = expiry_of(NOW, timedelta(seconds=lifetime), key, grace)
    ends = [left for left in (lifetime, key_left, grace_left) if left is not None]
    assert expires == int(NOW.timestamp()) + min(ends)


# --- scope ---------------------------------------------------------------------------------

PERMISSIONS = ("orders:read", "orders:write")


def test_no_requested_scope_grants_every_permission_of_the_group() -> None:
    assert granted_scope(None, PERMISSIONS) == PERMISSIONS


@pytest.mark.parametrize(
    ("requested", "granted"),
    [
        ("orders:read", ("orders:read",)),
        ("orders:write orders:read", ("orders:write", "orders:read")),
        ("orders:read orders:read", ("orders:read",)),
    ],
)
def test_a_subset_is_granted_as_asked(requested: str, granted: tuple[str, ...]) -> None:
    assert granted_scope(requested, PERMISSIONS) == granted


@pytest.mark.parametrize(
    "requested", ["keys:manage", "orders:read keys:manage", "", " orders:read", "a\tb", 'a"b']
)
def test_anything_else_is_refused(requested: str) -> None:
    with pytest.raises(ScopeRefused):
        granted_scope(requested, PERMISSIONS)


# --- claims and the signed token -----------------------------------------------------------


def test_the_claims_are_rfc_9068s_and_latchkeys_own() -> None:
    key = make_key(ip_allowlist=("10.0.0.0/8",))
    claims = claims_for(RULES, key, make_group(), ("orders:read",), NOW, FIVE_MINUTES)
    assert isinstance(claims.pop("jti"), str)
    issued = int(NOW.timestamp())
    assert claims == {
        "iss": ISSUER,
        "sub": key.key_id,
        "client_id": key.key_id,
        "aud": "orders-api",
        "iat": issued,
        "nbf": issued,
        "exp": FIVE_MINUTES,
        "scope": "orders:read",
        "tenant_id": "acme",
        "group_id": "grp_orders",
        "routes": ["GET /orders/*", "POST /orders"],
        "ip_allowlist": ["10.0.0.0/8"],
    }


def test_a_key_without_an_allowlist_has_no_allowlist_claim() -> None:
    claims = claims_for(RULES, make_key(), make_group(), (), NOW, FIVE_MINUTES)
    assert "ip_allowlist" not in claims
    assert claims["scope"] == ""


def test_the_jws_verifies_with_pyjwt_and_names_its_key_and_type() -> None:
    signer = local_signer()
    claims = claims_for(RULES, make_key(), make_group(), PERMISSIONS, NOW, FIVE_MINUTES)
    token = compact_jws(claims, signer)
    assert jwt.get_unverified_header(token) == {
        "alg": "RS256",
        "typ": "at+jwt",
        "kid": signer.key_id(),
    }
    public = jwt.PyJWK(jwk(signer.public_keys()[signer.key_id()])).key
    decoded = jwt.decode(
        token, public, algorithms=["RS256"], audience="orders-api", options={"verify_exp": False}
    )
    assert decoded == claims


def test_the_kid_is_the_rfc_7638_thumbprint_joserfc_computes() -> None:
    # joserfc is Authlib's JOSE library (installed with it).
    der = next(iter(local_signer().public_keys().values()))
    published = jwk(der)
    theirs = RSAKey.import_key({"kty": "RSA", "n": published["n"], "e": published["e"]})
    assert thumbprint(der) == published["kid"] == theirs.thumbprint()


# --- checking ------------------------------------------------------------------------------


def checker(now: datetime) -> TokenChecker:
    return TokenChecker(local_signer(), ISSUER, "orders-api", lambda: now)


def signed(**changes: object) -> str:
    claims = claims_for(RULES, make_key(), make_group(), PERMISSIONS, NOW, FIVE_MINUTES)
    return compact_jws({**claims, **changes}, local_signer())


def test_a_valid_token_gives_its_grant() -> None:
    access = checker(NOW).check(signed(), None, ("GET", "/orders/7"))
    assert access.outcome is Outcome.VALID
    assert access.grant is not None
    assert access.grant.routes == ("GET /orders/*", "POST /orders")
    assert access.grant.scopes == PERMISSIONS
    assert access.grant.expires_at == datetime.fromtimestamp(FIVE_MINUTES, UTC)


@pytest.mark.parametrize(
    ("seconds", "outcome"),
    [(300 + 29, Outcome.VALID), (300 + 30, Outcome.TOKEN_EXPIRED), (-31, Outcome.TOKEN_INVALID)],
)
def test_exp_and_nbf_have_thirty_seconds_of_leeway(seconds: int, outcome: Outcome) -> None:
    now = NOW + timedelta(seconds=seconds)
    assert checker(now).check(signed(), None, None).outcome is outcome


@pytest.mark.parametrize(
    "changes",
    [
        {"iss": "https://evil.example"},
        {"aud": "another-api"},
        {"routes": "* /*"},
        {"tenant_id": 7},
        {"scope": ["orders:read"]},
    ],
)
def test_wrong_or_malformed_claims_are_token_invalid(changes: dict[str, object]) -> None:
    assert checker(NOW).check(signed(**changes), None, None).outcome is Outcome.TOKEN_INVALID


def test_a_token_of_another_type_is_invalid() -> None:
    claims = claims_for(RULES, make_key(), make_group(), PERMISSIONS, NOW, FIVE_MINUTES)
    signer = local_signer()
    pem_key = signer._key
    token = jwt.encode(claims, pem_key, algorithm="RS256", headers={"kid": signer.key_id()})
    assert checker(NOW).check(token, None, None).outcome is Outcome.TOKEN_INVALID


def test_routes_and_allowlist_decide_like_a_keys() -> None:
    key = replace(make_key(), ip_allowlist=("10.0.0.0/8",))
    claims = claims_for(RULES, key, make_group(), PERMISSIONS, NOW, FIVE_MINUTES)
    token = compact_jws(claims, local_signer())
    check = checker(NOW).check
    assert check(token, "10.1.1.1", ("GET", "/orders/1")).outcome is Outcome.VALID
    assert check(token, "10.1.1.1", ("DELETE", "/orders/1")).outcome is Outcome.ROUTE_NOT_ALLOWED
    assert check(token, "192.0.2.1", ("GET", "/orders/1")).outcome is Outcome.IP_NOT_ALLOWED
    assert check(token, None, ("GET", "/orders/1")).outcome is Outcome.IP_NOT_ALLOWED


@pytest.mark.parametrize(
    "changes", [{"nbf": True}, {"nbf": False}, {"exp": True}, {"nbf": "0"}, {"exp": [1]}]
)
def test_a_time_claim_that_is_not_a_json_number_is_token_invalid(
    changes: dict[str, object],
) -> None:
    # Python takes True for 1: "nbf": true passed as a time long past.
    assert checker(NOW).check(signed(**changes), None, None).outcome is Outcome.TOKEN_INVALID
