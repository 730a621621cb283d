"""Checking an access token Latchkey issued: no database read at all.

The authorizer and ``POST /v1/verify`` call :meth:`TokenChecker.check`, as they call
AccessControl for keys. In order: header (``typ`` at+jwt, ``alg`` RS256, a published
``kid``) -> RS256 signature -> ``iss``, ``aud`` -> ``exp``/``nbf`` with 30 s of leeway ->
the IP allowlist in the token against the source address -> the routes in the token.
A revoked key's token stays valid until its ``exp`` (README: "Caching, and how fast a
revocation bites"). SigningFailed when the verification keys cannot be had: the answer is
then unknown, never "invalid". Imports PyJWT and cryptography, so the authorizer imports this module
only when a bearer token arrives: the key path's cold start does not pay for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from math import isfinite
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from chalicelib.domain.allowlist import allows
from chalicelib.domain.paths import is_canonical
from chalicelib.domain.routes import route_allowed
from chalicelib.domain.signing import ALGORITHM, PublicKeys, SigningFailed
from chalicelib.domain.verification import Outcome
from chalicelib.identity.jwk import rsa_key

LEEWAY = 30  # seconds of clock skew tolerated on exp and nbf
TYPES = frozenset({"at+jwt", "application/at+jwt"})  # RFC 9068 section 4
REQUIRED = ("iss", "aud", "exp", "iat", "sub", "client_id", "jti", "tenant_id", "group_id")
Route = tuple[str, str]


@dataclass(frozen=True)
class TokenGrant:
    """What a valid token says about its key."""

    client_id: str
    tenant_id: str
    group_id: str
    scopes: tuple[str, ...]
    routes: tuple[str, ...]
    ip_allowlist: tuple[str, ...]
    expires_at: datetime
    token_id: str


@dataclass(frozen=True)
class TokenAccess:
    """The outcome, and the grant once the token proved genuine and current."""

    outcome: Outcome
    grant: TokenGrant | None = None

    @property
    def valid(self) -> bool:
        return self.outcome is Outcome.VALID


def is_time(value: Any) -> bool:
    """A NumericDate (RFC 7519 2): a finite JSON number. ``true`` is no time, though Python
    (and PyJWT's own checks) take a bool for the int 1."""
    return isinstance(value, int | float) and not isinstance(value, bool) and isfinite(value)


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError("expected a list of strings")
    return tuple(value)


def grant_of(claims: dict[str, Any]) -> TokenGrant:
    """The grant of verified claims; ValueError when Latchkey's own claims are malformed."""
    texts = [claims[name] for name in ("client_id", "tenant_id", "group_id", "jti")]
    scope = claims.get("scope", "")
    if not all(isinstance(text, str) for text in [*texts, scope]):
        raise ValueError("expected strings")
    return TokenGrant(
        client_id=texts[0],
        tenant_id=texts[1],
        group_id=texts[2],
        scopes=tuple(scope.split()),
        routes=_strings(claims.get("routes")),
        ip_allowlist=_strings(claims.get("ip_allowlist", [])),
        expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        token_id=texts[3],
    )


class TokenChecker:
    """Decides whether an access token may call ``route`` from ``source_ip``, now."""

    def __init__(
        self,
        keys: PublicKeys,
        issuer: str,
        audience: str | tuple[str, ...],
        clock: Callable[[], datetime],
    ) -> None:
        """``audience``: every ``aud`` accepted; Latchkey's verifiers accept the public one
        and the one of tokens only Latchkey may accept (chalicelib/domain/access_tokens.py)."""
        self._keys = keys
        self._issuer = issuer
        self._audience = [audience] if isinstance(audience, str) else list(audience)
        self._clock = clock
        self._parsed: dict[bytes, RSAPublicKey] = {}

    def check(self, token: str, source_ip: str | None, route: Route | None) -> TokenAccess:
        claims = self._claims(token)
        if claims is None:
            return TokenAccess(Outcome.TOKEN_INVALID)
        now = self._clock().timestamp()
        if now >= claims["exp"] + LEEWAY:
            return TokenAccess(Outcome.TOKEN_EXPIRED)
        not_before = claims.get("nbf", claims["iat"])
        if not is_time(not_before) or now + LEEWAY < not_before:
            return TokenAccess(Outcome.TOKEN_INVALID)
        try:
            grant = grant_of(claims)
        except (ValueError, TypeError, OverflowError):
            return TokenAccess(Outcome.TOKEN_INVALID)
        if not allows(grant.ip_allowlist, source_ip):
            return TokenAccess(Outcome.IP_NOT_ALLOWED, grant)
        if route is not None and not is_canonical(route[1]):  # as for keys (domain/paths.py)
            return TokenAccess(Outcome.PATH_NOT_CANONICAL, grant)
        if route is not None and not route_allowed(grant.routes, *route):
            return TokenAccess(Outcome.ROUTE_NOT_ALLOWED, grant)
        return TokenAccess(Outcome.VALID, grant)

    def _key(self, kid: Any) -> RSAPublicKey | None:
        """The key named ``kid``; SigningFailed when it may be one not fetched yet."""
        if not isinstance(kid, str):
            return None
        der = self._keys.public_keys().get(kid)
        if der is None and not self._keys.complete():
            # A configured key is not fetched (KMS failed): this may be its kid, so the
            # answer is unknown, not "invalid". The caller answers 503 or fails closed.
            raise SigningFailed("a token verification key is unavailable")
        if der is None:
            return None
        if der not in self._parsed:
            self._parsed[der] = rsa_key(der)
        return self._parsed[der]

    def _claims(self, token: str) -> dict[str, Any] | None:
        """The verified claims, or None for anything Latchkey did not sign as a token."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            return None
        typ = header.get("typ")
        if header.get("alg") != ALGORITHM or not isinstance(typ, str) or typ.lower() not in TYPES:
            return None
        key = self._key(header.get("kid"))
        if key is None:
            return None
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                # exp and nbf are checked against the injected clock, by the caller.
                options={
                    "require": list(REQUIRED),
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.PyJWTError:
            return None
        if not is_time(claims["exp"]):
            return None
        return claims
