"""Issuing access tokens: an API key exchanged for a short-lived RFC 9068 JWT.

The key goes through the same :class:`Verifier` as everywhere (secret, status, expiry, IP
allowlist against the token request's source address), so a key refused elsewhere gets no
token. A token lives ``lifetime`` (at most an hour), never past its key's expiry, nor past
the grace period of the rotated secret that asked for it. It carries what the authorizer
needs to decide with no database read: tenant, group, routes, allowlist and scope.
Issuing changes no key, so it writes no audit event; usage counts the tokens issued.

A key with an IP allowlist, or whose group narrows routes, gets tokens whose ``aud`` only
Latchkey's authorizer and ``/v1/verify`` accept (chalicelib/domain/token_audience.py).
What a key may spend on signing is bounded by chalicelib/domain/token_bound.py.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.access import GroupSource
from chalicelib.domain.errors import ClientRefused, ScopeRefused
from chalicelib.domain.key_format import KeyFormat
from chalicelib.domain.records import ApiKey, Group
from chalicelib.domain.signing import Signer, compact_jws
from chalicelib.domain.token_audience import latchkey_only
from chalicelib.domain.token_bound import Signed, SignRate, TokenReuse
from chalicelib.domain.usage import UsageRecorder
from chalicelib.domain.verification import Decision, Verifier

# RFC 6749 section 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), joined by one space.
SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")


@dataclass(frozen=True)
class TokenRules:
    """Who signs (``iss``), for whom (``aud``), and for how long.

    ``latchkey_audience`` is the ``aud`` of tokens only Latchkey may accept; empty means
    ``audience`` for every token (tests of other rules).
    """

    issuer: str
    audience: str
    lifetime: timedelta
    latchkey_audience: str = ""

    def audience_for(self, key: ApiKey, group: Group) -> str:
        if self.latchkey_audience and latchkey_only(key.ip_allowlist, group.routes):
            return self.latchkey_audience
        return self.audience


@dataclass(frozen=True)
class IssuedToken:
    """A signed token and what the token response tells about it."""

    access_token: str
    expires_in: int
    scope: str


def granted_scope(requested: str | None, permissions: tuple[str, ...]) -> tuple[str, ...]:
    """The scope a token gets: all the group's permissions, or the requested subset."""
    if requested is None:
        return permissions
    asked = requested.split(" ")
    if not all(SCOPE_TOKEN.fullmatch(token) for token in asked):
        raise ScopeRefused("the scope is not a space-separated list of scope tokens")
    if not set(asked) <= set(permissions):
        raise ScopeRefused("the scope asks for more than the key's group grants")
    return tuple(dict.fromkeys(asked))


def expiry_of(now: datetime, lifetime: timedelta, key: ApiKey, secret_ends: datetime | None) -> int:
    """The token's ``exp``: ``now + lifetime``, never past the key's (or secret's) end."""
    ends = [int((now + lifetime).timestamp())]
    ends += [int(end.timestamp()) for end in (key.expires_at, secret_ends) if end is not None]
    return min(ends)


def claims_for(
    rules: TokenRules,
    key: ApiKey,
    group: Group,
    scope: tuple[str, ...],
    now: datetime,
    expires: int,
) -> dict[str, Any]:
    """The RFC 9068 claims, and Latchkey's own, for a token of ``key``."""
    issued = int(now.timestamp())
    claims: dict[str, Any] = {
        "iss": rules.issuer,
        "sub": key.key_id,
        "aud": rules.audience_for(key, group),
        "exp": expires,
        "nbf": issued,
        "iat": issued,
        "jti": secrets.token_urlsafe(16),
        "client_id": key.key_id,
        "scope": " ".join(scope),
        "tenant_id": key.tenant_id,
        "group_id": key.group_id,
        "routes": list(group.routes),
    }
    if key.ip_allowlist:
        claims["ip_allowlist"] = list(key.ip_allowlist)
    return claims


class TokenIssuer:
    """Authenticates a client (an API key) and signs its token."""

    def __init__(
        self,
        rules: TokenRules,
        verifier: Verifier,
        key_format: KeyFormat,
        groups: GroupSource,
        usage: UsageRecorder,
        signer: Signer,
        clock: Callable[[], datetime],
        reuse: TokenReuse | None = None,
        rate: SignRate | None = None,
    ) -> None:
        self._reuse = reuse
        self._rate = rate
        self._rules = rules
        self._verifier = verifier
        self._key_format = key_format
        self._groups = groups
        self._usage = usage
        self._signer = signer
        self._clock = clock

    def authenticate(self, client_id: str, secret: str, source_ip: str | None) -> Decision:
        """The key's decision; ClientRefused unless it is valid and ``client_id`` is its id."""
        parsed = self._key_format.parse(secret)
        # The key id is public: a plain comparison leaks nothing.
        if parsed is None or parsed.key_id != client_id:
            raise ClientRefused()
        decision = self._verifier.verify(secret, source_ip)
        if decision.key is not None:
            self._usage.record(decision.key, decision.valid)
        if not decision.valid:
            raise ClientRefused()
        return decision

    def issue(self, decision: Decision, requested_scope: str | None) -> IssuedToken:
        """Sign a token for an authenticated key (``authenticate``'s decision)."""
        key = decision.key
        assert key is not None, "authenticate first"
        assert decision.valid, "authenticate first"
        group = self._groups.get_group(key.tenant_id, key.group_id)
        if group is None:  # deleting a group active keys use is refused; a race, then
            raise ClientRefused()
        scope = granted_scope(requested_scope, group.permissions)
        now = self._clock()
        expires = expiry_of(now, self._rules.lifetime, key, decision.secret_valid_until)
        if expires <= int(now.timestamp()):  # the key ends within the second
            raise ClientRefused()
        name = self._name(key, group, scope)
        issued_at = int(now.timestamp())
        found = self._reuse.find(name, issued_at, expires) if self._reuse else None
        if found is not None:
            self._usage.record_issued(key)
            return IssuedToken(found.access_token, found.expires - issued_at, found.scope)
        if self._rate is not None:
            self._rate.take(key.key_id)
        claims = claims_for(self._rules, key, group, scope, now, expires)
        token = compact_jws(claims, self._signer)
        if self._reuse is not None:
            self._reuse.keep(name, Signed(token, claims["scope"], issued_at, expires))
        self._usage.record_issued(key)
        return IssuedToken(token, expires - claims["iat"], claims["scope"])

    def _name(self, key: ApiKey, group: Group, scope: tuple[str, ...]) -> tuple[object, ...]:
        """What a reused token must share with a new one: every claim but the times and
        ``jti`` (so a changed allowlist, group or route is never hidden by a reused one)."""
        audience = self._rules.audience_for(key, group)
        return (
            key.tenant_id,
            key.key_id,
            key.group_id,
            group.routes,
            key.ip_allowlist,
            scope,
            audience,
            self._signer.key_id(),
        )

    def flush_usage(self, key_id: str) -> None:
        self._usage.flush_due(key_id)
