"""Who is calling the management API, and may they?

The credential headers are read by :mod:`chalicelib.domain.credentials`, exactly as the
authorizer reads them. ``X-API-Key`` goes through the same :class:`Verifier` as the
authorizer: status, expiry and IP allowlist against the connection's source address. Every
failure answers one identical 401, so a caller cannot tell a revoked key from a mistyped one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.domain.credentials import read_credentials
from chalicelib.domain.errors import Forbidden, NotFound, Unauthenticated
from chalicelib.domain.groups import MANAGE, READ
from chalicelib.domain.records import Actor
from chalicelib.wiring.services import Services


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: its tenant, who it is, and what its group grants."""

    tenant_id: str
    actor: Actor
    permissions: frozenset[str]
    group_id: str | None = None  # a key's group; None for a person


def source_ip(context: dict[str, Any]) -> str | None:
    """The connection's source address as API Gateway saw it (never X-Forwarded-For)."""
    identity = context.get("identity") or {}
    value = identity.get("sourceIp")
    return value if isinstance(value, str) else None


REFUSED = "a valid API key (X-API-Key) or bearer token (Authorization) is required"
ONE_CREDENTIAL = "send one credential: X-API-Key or Authorization, not both"
ONE_HEADER = "send each credential header once: one X-API-Key or one Authorization value"


def authenticate(
    services: Services,
    headers: Any,
    context: dict[str, Any],
    method: str,
    multi_value_headers: Any = None,
) -> Principal:
    """Identify the caller (a key or a person) and check it may make a ``method`` call."""
    found = read_credentials(headers, multi_value_headers)
    if found.ambiguous:
        # Gateways disagree on which of two copies counts (chalice local keeps one, API
        # Gateway REST another; some join them with a comma), so a request carrying two
        # counts as none.
        raise Unauthenticated(ONE_HEADER)
    if found.authorization is not None and found.api_key is not None:
        # Which one would count? Neither: a wrong credential is never outvoted by a right one.
        raise Unauthenticated(ONE_CREDENTIAL)
    if found.authorization is not None:
        bearer = found.bearer
        if bearer is None:
            raise Unauthenticated(REFUSED)
        principal = _person(services, bearer)
    else:
        principal = _key(services, found.api_key, source_ip(context))
    needed = READ if method == "GET" else MANAGE
    if MANAGE not in principal.permissions and needed not in principal.permissions:
        raise Forbidden(f"this credential does not grant {needed}")
    return principal


def _key(services: Services, token: str | None, address: str | None) -> Principal:
    decision = services.verifier.verify(token, address)
    if not decision.valid or decision.key is None:
        raise Unauthenticated(REFUSED)
    key = decision.key
    try:
        granted = frozenset(services.groups.get(key.tenant_id, key.group_id).permissions)
    except NotFound:
        granted = frozenset()
    actor = Actor(type="key", id=key.key_id, name=key.name)
    return Principal(key.tenant_id, actor, granted, key.group_id)


def _person(services: Services, token: str) -> Principal:
    if services.oidc is None:
        raise Unauthenticated(REFUSED)
    try:
        tenant, actor, granted = services.oidc.verify(token)
    except Unauthenticated:
        raise Unauthenticated(REFUSED) from None  # one body, whatever the reason
    return Principal(tenant, actor, granted)
