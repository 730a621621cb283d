"""Who is calling the management API, and may they?

``X-API-Key`` goes through the same :class:`Verifier` as the authorizer: status, expiry
and IP allowlist against the connection's source address. Every failure answers one
identical 401, so a caller cannot tell a revoked key from a mistyped one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.container import Services
from chalicelib.domain.errors import Forbidden, NotFound, Unauthenticated
from chalicelib.domain.groups import MANAGE, READ
from chalicelib.domain.records import Actor

API_KEY_HEADER = "x-api-key"


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: its tenant, who it is, and what its group grants."""

    tenant_id: str
    actor: Actor
    permissions: frozenset[str]


def source_ip(context: dict[str, Any]) -> str | None:
    """The connection's source address as API Gateway saw it (never X-Forwarded-For)."""
    identity = context.get("identity") or {}
    value = identity.get("sourceIp")
    return value if isinstance(value, str) else None


def authenticate(
    services: Services, headers: Any, context: dict[str, Any], method: str
) -> Principal:
    """Verify the caller's key and check it may make a ``method`` call."""
    decision = services.verifier.verify(headers.get(API_KEY_HEADER), source_ip(context))
    if not decision.valid or decision.key is None:
        raise Unauthenticated("a valid API key is required in the X-API-Key header")
    key = decision.key
    try:
        granted = frozenset(services.groups.get(key.tenant_id, key.group_id).permissions)
    except NotFound:
        granted = frozenset()
    needed = READ if method == "GET" else MANAGE
    if MANAGE not in granted and needed not in granted:
        raise Forbidden(f"this key's group does not grant {needed}")
    return Principal(key.tenant_id, Actor(type="key", id=key.key_id, name=key.name), granted)
