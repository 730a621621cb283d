"""Who is calling the management API, and may they?

``X-API-Key`` goes through the same :class:`Verifier` as the authorizer: status, expiry
and IP allowlist against the connection's source address. Every failure answers one
identical 401, so a caller cannot tell a revoked key from a mistyped one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.api.platform.support import support_tenant, support_tenant_of
from chalicelib.domain.credentials import read_credentials
from chalicelib.domain.errors import Forbidden, NotFound, Unauthenticated
from chalicelib.domain.groups import MANAGE, READ
from chalicelib.domain.platform.principals import PlatformPrincipal
from chalicelib.domain.records import Actor
from chalicelib.wiring.services import Services


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: its tenant, who it is, and what its group grants.

    On a platform route ``tenant_id`` is empty and ``permissions`` are platform ones; in
    support mode the tenant is the one X-Latchkey-Tenant named and the actor the platform
    principal's (type ``platform``).
    """

    tenant_id: str
    actor: Actor
    permissions: frozenset[str]
    group_id: str | None = None  # a key's group; None for a person or a platform principal


def source_ip(context: dict[str, Any]) -> str | None:
    """The connection's source address as API Gateway saw it (never X-Forwarded-For)."""
    identity = context.get("identity") or {}
    value = identity.get("sourceIp")
    return value if isinstance(value, str) else None


REFUSED = "a valid API key (X-API-Key) or bearer token (Authorization) is required"
ONE_CREDENTIAL = "send one credential: X-API-Key or Authorization, not both"
ONE_HEADER = "send each credential header once: one X-API-Key or one Authorization value"
TENANT_HEADER_REFUSED = (
    "X-Latchkey-Tenant is for platform credentials (support mode); "
    "a tenant's credential acts only in its own tenant"
)
PLATFORM_ONLY = "platform routes take a platform key or a platform person's token"


def identify(
    services: Services, headers: Any, context: dict[str, Any], multi_value_headers: Any = None
) -> Principal | PlatformPrincipal:
    """Who the request's one credential is: a tenant's key or person, or a platform one."""
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
        return _person(services, bearer)
    api_key = found.api_key
    # A platform key's prefix is "<stage prefix>_platform_": no tenant key starts so (a key
    # id holds no "_"), so the check reads nothing and the tenant path never sees one.
    if api_key is not None and api_key.startswith(services.settings.keys.platform_prefix + "_"):
        return _platform_key(services, api_key)
    return _key(services, api_key, source_ip(context))


def authenticate(
    services: Services,
    headers: Any,
    context: dict[str, Any],
    method: str,
    multi_value_headers: Any = None,
) -> Principal:
    """Identify the caller of a tenant's route and check it may make a ``method`` call.

    A platform principal acts only in support mode (the tenant X-Latchkey-Tenant names);
    a tenant's credential sending that header is refused, never obeyed.
    """
    who = identify(services, headers, context, multi_value_headers)
    tenant_header = support_tenant_of(headers, multi_value_headers)
    if isinstance(who, PlatformPrincipal):
        tenant = support_tenant(services, who, tenant_header)
        principal = Principal(tenant, who.actor, who.support_permissions())
    elif tenant_header is not None:
        raise Forbidden(TENANT_HEADER_REFUSED)
    else:
        principal = who
    needed = READ if method == "GET" else MANAGE
    if MANAGE not in principal.permissions and needed not in principal.permissions:
        raise Forbidden(f"this credential does not grant {needed}")
    return principal


def authenticate_platform(
    services: Services,
    headers: Any,
    context: dict[str, Any],
    method: str,
    multi_value_headers: Any = None,
) -> Principal:
    """Identify the caller of a platform route: a platform principal, or 401/403."""
    who = identify(services, headers, context, multi_value_headers)
    if not isinstance(who, PlatformPrincipal):
        raise Forbidden(PLATFORM_ONLY)
    who.require(method)
    return Principal("", who.actor, who.permissions)


def _platform_key(services: Services, token: str) -> PlatformPrincipal:
    principal = services.platform_keys.authenticate(token)
    if principal is None:
        raise Unauthenticated(REFUSED)
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


def _person(services: Services, token: str) -> Principal | PlatformPrincipal:
    if services.oidc is None:
        raise Unauthenticated(REFUSED)
    try:
        person = services.oidc.identify(token)
    except Unauthenticated:
        raise Unauthenticated(REFUSED) from None  # one body, whatever the reason
    if isinstance(person, PlatformPrincipal):
        return person
    return Principal(person.tenant_id, person.actor, person.permissions)
