"""``/v1/platform/tenants``: the provider creates, lists, reads and changes tenants, and
mints a tenant's admin key (what a signup flow calls). Platform credentials only."""

from __future__ import annotations

from chalicelib.api.endpoint import Call, Routes, listing_cursors
from chalicelib.api.operations import Route
from chalicelib.api.present import key_out
from chalicelib.api.schemas import KeyWithSecret
from chalicelib.api.schemas.platform import (
    AdminKeyCreate,
    TenantCreate,
    TenantList,
    TenantListQuery,
    TenantOut,
    TenantUpdate,
)
from chalicelib.domain.platform.principals import PLATFORM_TRAIL
from chalicelib.domain.platform.tenants import STATUSES, TenantQuery
from chalicelib.domain.records import Tenant, TenantEdit

routes = Routes(__name__)
TAG = "platform"


@routes.route(
    Route(
        "/v1/platform/tenants",
        "POST",
        summary="Create a tenant (409 when the id exists)",
        body=TenantCreate,
        response=TenantOut,
        status=201,
        errors=(400, 409, 422),
        tag=TAG,
        platform=True,
    )
)
def create_tenant(call: Call[TenantCreate]) -> TenantOut:
    body = call.body
    tenant = call.services.platform_tenants.create(
        body.tenant_id,
        body.key_limit,
        call.origin,
        body.group_limit,
        body.leak_policy,
        body.display_name,
    )
    return tenant_out(tenant, call.services.settings.limits.groups_per_tenant)


@routes.route(
    Route(
        "/v1/platform/tenants",
        "GET",
        summary="List tenants by id, a page at a time, by status and id prefix",
        query=TenantListQuery,
        response=TenantList,
        errors=(422,),
        tag=TAG,
        platform=True,
    )
)
def list_tenants(call: Call[None, TenantListQuery]) -> TenantList:
    query = call.query
    wanted = TenantQuery((query.status,) if query.status else STATUSES, query.prefix or "")
    cursors = listing_cursors(call)
    scope = (PLATFORM_TRAIL, "tenants", query.status, query.prefix)
    after = cursors.decode(query.cursor, scope)
    tenants, last = call.services.platform_tenants.page(
        wanted, query.limit, None if after is None else after[0]
    )
    default = call.services.settings.limits.groups_per_tenant
    return TenantList(
        tenants=[tenant_out(tenant, default) for tenant in tenants],
        next_cursor=cursors.encode(None if last is None else (last, last), scope),
    )


@routes.route(
    Route(
        "/v1/platform/tenants/{tenant_id}",
        "GET",
        summary="One tenant: limits, usage, status",
        response=TenantOut,
        errors=(404,),
        tag=TAG,
        platform=True,
    )
)
def get_tenant(call: Call) -> TenantOut:
    tenant = call.services.platform_tenants.get(call.params["tenant_id"])
    return tenant_out(tenant, call.services.settings.limits.groups_per_tenant)


@routes.route(
    Route(
        "/v1/platform/tenants/{tenant_id}",
        "PATCH",
        summary="Change a tenant's limits, leak policy or display name",
        body=TenantUpdate,
        response=TenantOut,
        errors=(400, 404, 422),
        tag=TAG,
        platform=True,
    )
)
def update_tenant(call: Call[TenantUpdate]) -> TenantOut:
    body = call.body
    edit = TenantEdit(body.key_limit, body.group_limit, body.leak_policy, body.display_name)
    tenant = call.services.platform_tenants.update(call.params["tenant_id"], edit, call.origin)
    return tenant_out(tenant, call.services.settings.limits.groups_per_tenant)


@routes.route(
    Route(
        "/v1/platform/tenants/{tenant_id}/admin-keys",
        "POST",
        summary="Mint an admin key in the tenant's admin group (as latchkey bootstrap does)",
        body=AdminKeyCreate,
        body_optional=True,
        response=KeyWithSecret,
        status=201,
        errors=(400, 404, 409, 422),
        tag=TAG,
        platform=True,
    )
)
def mint_admin_key(call: Call[AdminKeyCreate]) -> KeyWithSecret:
    body = call.body
    group, issued = call.services.platform_tenants.mint_admin_key(
        call.params["tenant_id"], call.origin, body.name
    )
    now = call.services.clock()
    key = key_out(issued.key, {group.group_id: group}, now, call.services.keys.expiring_soon)
    return KeyWithSecret(key=key, secret=issued.token)


def tenant_out(tenant: Tenant, default_group_limit: int) -> TenantOut:
    """The tenant object; ``over_limit`` says when a lowered limit is below what is used."""
    group_limit = default_group_limit if tenant.group_limit is None else tenant.group_limit
    over = []
    if tenant.keys_used > tenant.key_limit:
        over.append(
            f"keys_used ({tenant.keys_used}) is above key_limit ({tenant.key_limit}): no key "
            "was revoked; new keys are refused until fewer are in use"
        )
    if tenant.groups_used > group_limit:
        over.append(
            f"groups_used ({tenant.groups_used}) is above group_limit ({group_limit}): no "
            "group was deleted; new groups are refused until fewer exist"
        )
    return TenantOut(
        tenant_id=tenant.tenant_id,
        display_name=tenant.display_name,
        status=tenant.status,
        key_limit=tenant.key_limit,
        keys_used=tenant.keys_used,
        group_limit=group_limit,
        groups_used=tenant.groups_used,
        leak_policy=tenant.leak_policy,
        created_at=tenant.created_at,
        # Present once suspension exists on the record.
        suspended_at=getattr(tenant, "suspended_at", None),
        suspension_reason=getattr(tenant, "suspension_reason", None),
        over_limit=over,
    )
