"""``/v1/tenant/settings``: the caller's tenant's settings (today: what to do with leaked keys).

The tenant is the caller's, as everywhere; ``keys:read`` reads, ``keys:manage`` changes.
Operators change the same setting with ``latchkey tenants set-leak-policy``.
"""

from __future__ import annotations

from chalicelib.api.endpoint import Call, Routes
from chalicelib.api.operations import Route
from chalicelib.api.schemas.leaks import TenantSettings, TenantSettingsUpdate
from chalicelib.domain.records import Tenant

routes = Routes(__name__)


def _settings(tenant: Tenant) -> TenantSettings:
    return TenantSettings(leak_policy=tenant.leak_policy)


@routes.route(
    Route(
        "/v1/tenant/settings",
        "GET",
        summary="The tenant's settings: what happens to a key reported leaked",
        response=TenantSettings,
        tag="tenant",
    )
)
def get_settings(call: Call) -> TenantSettings:
    return _settings(call.services.tenants.get(call.principal.tenant_id))


@routes.route(
    Route(
        "/v1/tenant/settings",
        "PATCH",
        summary="Change the tenant's settings: leak_policy revoke (default) or notify",
        body=TenantSettingsUpdate,
        response=TenantSettings,
        errors=(400, 422),
        tag="tenant",
    )
)
def update_settings(call: Call[TenantSettingsUpdate]) -> TenantSettings:
    body = call.body
    tenants = call.services.tenants
    return _settings(
        tenants.set_leak_policy(call.principal.tenant_id, body.leak_policy, call.origin)
    )
