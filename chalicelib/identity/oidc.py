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
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.config.settings import Settings
from chalicelib.domain.errors import Unauthenticated
from chalicelib.domain.platform.principals import (
    PLATFORM_MANAGE,
    PLATFORM_READ,
    PlatformPrincipal,
    platform_actor,
)
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


@dataclass(frozen=True)
class TenantPerson:
    """A person of one tenant, and what their roles grant there."""

    tenant_id: str
    actor: Actor
    permissions: frozenset[str]


class OidcVerifier:
    """Turns a bearer token into a tenant's person or a platform person, or refuses it."""

    def __init__(self, settings: Settings, jwks: JwksCache, clock: Callable[[], datetime]):
        self._settings = settings
        self._jwks = jwks
        self._clock = clock

    def verify(self, token: str) -> tuple[str, Actor, frozenset[str]]:
        """A tenant's person as (tenant, person, permissions); a platform person is refused."""
        person = self.identify(token)
        if not isinstance(person, TenantPerson):
            raise Unauthenticated("the token names no tenant")
        return person.tenant_id, person.actor, person.permissions

    def identify(self, token: str) -> TenantPerson | PlatformPrincipal:
        """Whoever the token names. A token carrying a platform role (its value in the claim
        LATCHKEY_PLATFORM_ROLE_CLAIM) is a platform person, whatever tenant it also names:
        platform staff act in a tenant only through support mode."""
        claims = self._claims(token)
        name = str(claims.get("name") or claims.get("email") or claims["sub"])
        platform = self._platform_permissions(claims.get(self._settings.platform.role_claim))
        if platform:
            return PlatformPrincipal(platform_actor(str(claims["sub"]), name), platform)
        tenant = claims.get(self._settings.oidc.tenant_claim)
        if not isinstance(tenant, str) or not tenant:
            raise Unauthenticated("the token names no tenant")
        actor = Actor(type="user", id=str(claims["sub"]), name=name)
        roles = claims.get(self._settings.oidc.roles_claim)
        return TenantPerson(tenant, actor, self._permissions(roles))

    def _platform_permissions(self, roles: Any) -> frozenset[str]:
        held = _role_names(roles)
        granted = set()
        if self._settings.platform.role and self._settings.platform.role in held:
            granted.add(PLATFORM_MANAGE)
        if self._settings.platform.read_role and self._settings.platform.read_role in held:
            granted.add(PLATFORM_READ)
        return frozenset(granted)

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
        mapping = self._settings.oidc.roles
        return frozenset(mapping[role] for role in _role_names(roles) if role in mapping)


def _role_names(roles: Any) -> frozenset[str]:
    """A roles claim's names: one string is one role (names may hold spaces: "Key Admins")."""
    if isinstance(roles, str):
        return frozenset({roles})
    if not isinstance(roles, list):
        return frozenset()
    return frozenset(role for role in roles if isinstance(role, str))


def build_oidc(
    settings: Settings, clock: Callable[[], datetime], fetch: Fetch = fetch_json
) -> OidcVerifier | None:
    """The verifier for the configured issuer, or None when none is configured."""
    if not settings.oidc.issuer:
        return None
    url = settings.oidc.jwks_url or f"{settings.oidc.issuer}/.well-known/jwks.json"
    return OidcVerifier(settings, JwksCache(url, fetch), clock)
