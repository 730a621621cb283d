"""Routes of ``/v1/groups``: authorization groups."""

from __future__ import annotations

from chalicelib.api.endpoint import Call, Routes, caller, listing_cursors
from chalicelib.api.operations import Route
from chalicelib.api.present import group_out
from chalicelib.api.schemas import (
    GroupCreate,
    GroupList,
    GroupListQuery,
    GroupOut,
    GroupUpdate,
)
from chalicelib.domain.groups import GroupDraft

routes = Routes(__name__)


@routes.route(
    Route(
        "/v1/groups",
        "POST",
        summary="Create an authorization group",
        body=GroupCreate,
        response=GroupOut,
        status=201,
        errors=(400, 409, 422),
        tag="groups",
    )
)
def create_group(call: Call[GroupCreate]) -> GroupOut:
    body = call.body
    draft = GroupDraft(body.name, body.description, tuple(body.permissions), tuple(body.routes))
    return group_out(call.services.groups.create(call.principal.tenant_id, draft, call.origin))


@routes.route(
    Route(
        "/v1/groups",
        "GET",
        summary="List the tenant's groups, by id, a page at a time",
        query=GroupListQuery,
        response=GroupList,
        errors=(422,),
        tag="groups",
    )
)
def list_groups(call: Call[None, GroupListQuery]) -> GroupList:
    query = call.query
    tenant_id = call.principal.tenant_id
    cursors = listing_cursors(call)
    scope = (tenant_id, "groups")
    after = cursors.decode(query.cursor, scope)
    groups, last = call.services.groups.page(
        tenant_id, query.limit, None if after is None else after[0]
    )
    position = None if last is None else (last, last)
    return GroupList(
        groups=[group_out(group) for group in groups],
        next_cursor=cursors.encode(position, scope),
    )


@routes.route(
    Route(
        "/v1/groups/{group_id}",
        "GET",
        summary="Read one group",
        response=GroupOut,
        errors=(404,),
        tag="groups",
    )
)
def get_group(call: Call) -> GroupOut:
    return group_out(call.services.groups.get(call.principal.tenant_id, call.params["group_id"]))


@routes.route(
    Route(
        "/v1/groups/{group_id}",
        "PATCH",
        summary="Edit a group",
        body=GroupUpdate,
        response=GroupOut,
        errors=(400, 404, 409, 422),
        tag="groups",
        confirms_lockout=True,
    )
)
def update_group(call: Call[GroupUpdate]) -> GroupOut:
    body = call.body
    group = call.services.groups.update(
        call.principal.tenant_id, call.params["group_id"], body.edit(), call.origin, caller(call)
    )
    return group_out(group)


@routes.route(
    Route(
        "/v1/groups/{group_id}",
        "DELETE",
        summary="Delete a group that no active key uses",
        response=None,
        status=204,
        errors=(404, 409),
        tag="groups",
    )
)
def delete_group(call: Call) -> None:
    call.services.groups.delete(call.principal.tenant_id, call.params["group_id"], call.origin)
