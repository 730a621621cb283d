"""People as operators: OpenID Connect bearer tokens from one configured issuer.

The token's signature is checked against the issuer's JWKS (fetched once, cached, and
fetched again when a token names an unknown ``kid``, at most once a minute so random
``kid`` values cannot make us hammer the issuer: chalicelib/identity/public_keys.py).
Only RS256 is accepted, which also refuses ``alg: none`` and HS256 tokens "signed" with
the public key. ``iss``, ``aud``, ``exp`` and ``nbf`` are checked against an injected
clock. The tenant and the roles come from configured claims; roles map to
``keys:manage`` and ``keys:read``. ``jwt`` is imported on the first token, not at import.

A ``nonce`` binds an ID token to the sign-in that asked for it; only the party that sent
it can check it, so the console does (chalicelib/static/console/auth.js) before it uses a
token, and this verifier, which sees tokens from any client, neither needs nor checks one.
The tenant claim is trusted as signed: the issuer must not let users change it (README).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from chalicelib.config.settings import Settings
from chalicelib.domain.errors import Unauthenticated
from chalicelib.domain.records import Actor
from chalicelib.identity.public_keys import Fetch, PublicKeyCache, fetch_json

LEEWAY = 30  # seconds of clock skew tolerated on exp and nbf


def parse_jwks(document: dict[str, Any]) -> dict[str, Any]:
    """A JWKS -> its RSA public keys by ``kid``; entries that are not RSA keys are skipped."""
    from jwt.algorithms import RSAAlgorithm
    from jwt.exceptions import InvalidKeyError

    keys = {}
    for entry in document.get("keys", []):
        if entry.get("kty") == "RSA" and entry.get("kid"):
            try:
                keys[entry["kid"]] = RSAAlgorithm.from_jwk(entry)
            except (InvalidKeyError, ValueError):  # bad base64 is a binascii.Error, a ValueError
                continue
    return keys


class JwksCache(PublicKeyCache[Any]):
    """The issuer's signing keys by ``kid``: kept until a token names one it lacks."""

    def __init__(
        self, url: str, fetch: Fetch = fetch_json, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(url, parse_jwks, fetch, monotonic)


class OidcVerifier:
    """Turns a bearer token into (tenant, person, permissions), or refuses it."""

    def __init__(self, settings: Settings, jwks: JwksCache, clock: Callable[[], datetime]):
        self._settings = settings
        self._jwks = jwks
        self._clock = clock

    def verify(self, token: str) -> tuple[str, Actor, frozenset[str]]:
        claims = self._claims(token)
        tenant = claims.get(self._settings.oidc.tenant_claim)
        if not isinstance(tenant, str) or not tenant:
            raise Unauthenticated("the token names no tenant")
        name = claims.get("name") or claims.get("email") or claims["sub"]
        actor = Actor(type="user", id=str(claims["sub"]), name=str(name))
        return tenant, actor, self._permissions(claims.get(self._settings.oidc.roles_claim))

    def _claims(self, token: str) -> dict[str, Any]:
        import jwt  # here, not at import: most cold starts never see a bearer token

        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthenticated("malformed token") from None
        if header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
            raise Unauthenticated("unsupported token")
        key = self._jwks.key(header["kid"])
        if key is None:
            raise Unauthenticated("unknown signing key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                audience=self._settings.oidc.audience,
                issuer=self._settings.oidc.issuer,
                # exp and nbf are checked below against the injected clock.
                options={
                    "require": ["exp", "iss", "aud", "sub"],
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.PyJWTError:
            raise Unauthenticated("invalid token") from None
        self._check_times(claims)
        return claims

    def _check_times(self, claims: Mapping[str, Any]) -> None:
        now = self._clock().timestamp()
        expires, not_before = claims.get("exp"), claims.get("nbf")
        if not isinstance(expires, int | float) or now >= expires + LEEWAY:
            raise Unauthenticated("token expired")
        if not_before is not None and (
            not isinstance(not_before, int | float) or now + LEEWAY < not_before
        ):
            raise Unauthenticated("token not yet valid")

    def _permissions(self, roles: Any) -> frozenset[str]:
        if isinstance(roles, str):
            # One string is one role: role names may hold spaces ("Key Admins").
            roles = [roles]
        if not isinstance(roles, list):
            return frozenset()
        mapping = self._settings.oidc.roles
        return frozenset(
            mapping[role] for role in roles if isinstance(role, str) and role in mapping
        )


def build_oidc(
    settings: Settings, clock: Callable[[], datetime], fetch: Fetch = fetch_json
) -> OidcVerifier | None:
    """The verifier for the configured issuer, or None when none is configured."""
    if not settings.oidc.issuer:
        return None
    url = settings.oidc.jwks_url or f"{settings.oidc.issuer}/.well-known/jwks.json"
    return OidcVerifier(settings, JwksCache(url, fetch), clock)
