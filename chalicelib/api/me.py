"""``GET /v1/me``: the caller's own identity, permissions and tenant usage.

Any client (the console is one) learns here what it may show: a ``keys:read`` credential
sees no control that changes anything, and the key limit decides whether a key can still
be generated. It reads one tenant item and nothing about any other credential.
"""

from __future__ import annotations

from chalicelib.api.endpoint import Call, Routes
from chalicelib.api.operations import Route
from chalicelib.api.schemas import ActorOut, KeyUsage
from chalicelib.api.schemas.me import MeOut

routes = Routes(__name__)


@routes.route(
    Route(
        "/v1/me",
        "GET",
        summary="Who this credential is, what it may do, and the tenant's key usage",
        response=MeOut,
        tag="me",
    )
)
def me(call: Call) -> MeOut:
    principal = call.principal
    tenant = call.services.tenants.get(principal.tenant_id)
    return MeOut(
        tenant_id=principal.tenant_id,
        actor=ActorOut.model_validate(vars(principal.actor)),
        permissions=sorted(principal.permissions),
        key_usage=KeyUsage(used=tenant.keys_used, limit=tenant.key_limit),
    )
