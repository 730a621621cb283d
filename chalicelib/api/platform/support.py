"""Support mode: a platform principal acting in one tenant, named by ``X-Latchkey-Tenant``.

With ``platform:manage`` it acts with ``keys:manage``, with ``platform:read`` with
``keys:read``. Its actor stays the platform principal (type ``platform``), so every event it
causes lands in the tenant's own trail under its name, and in the platform trail
(chalicelib/storage/audit.py). A tenant credential sending the header is refused, never
obeyed (chalicelib/api/auth.py).
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain.errors import NotFound, SupportModeRequired, Unauthenticated
from chalicelib.domain.platform.principals import PlatformPrincipal
from chalicelib.domain.tenants import TENANT_NAME
from chalicelib.wiring.services import Services

SUPPORT_HEADER = "x-latchkey-tenant"
NEEDS_TENANT = (
    "a platform credential acts in a tenant only in support mode: "
    "send X-Latchkey-Tenant with the tenant's id"
)
ONE_TENANT = "send one X-Latchkey-Tenant header with one tenant id"


def support_tenant_of(headers: Any, multi_value_headers: Any) -> str | None:
    """The request's one X-Latchkey-Tenant value; several distinct ones are refused."""
    values = set()
    single = headers.get(SUPPORT_HEADER)
    if isinstance(single, str):
        values.add(single)
    if isinstance(multi_value_headers, dict):
        for name, many in multi_value_headers.items():
            if str(name).lower() == SUPPORT_HEADER and isinstance(many, list):
                values.update(value for value in many if isinstance(value, str))
    if len(values) > 1 or any("," in value for value in values):
        raise Unauthenticated(ONE_TENANT)
    return next(iter(values), None)


def support_tenant(services: Services, principal: PlatformPrincipal, tenant_id: str | None) -> str:
    """The tenant a platform principal acts in; 403 without the header, 404 for no tenant."""
    if tenant_id is None:
        raise SupportModeRequired(NEEDS_TENANT)
    if not principal.support_permissions():
        raise SupportModeRequired("this platform credential grants no permission in a tenant")
    # The tenant must exist: one read, only on support-mode requests. The id is never
    # repeated in the answer.
    if not TENANT_NAME.fullmatch(tenant_id):
        raise NotFound("no such tenant")
    try:
        services.tenants.get(tenant_id)
    except NotFound:
        raise NotFound("no such tenant") from None
    return tenant_id
