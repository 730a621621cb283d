"""Routes of ``/v1/keys``: create, list, read, edit, rotate, revoke."""

from __future__ import annotations

from datetime import timedelta

from chalice import Response

from chalicelib.api.endpoint import AnyCall, Call, Routes, caller, listing_cursors
from chalicelib.api.idempotency import REPLAY_NOTE, idempotent
from chalicelib.api.operations import Route
from chalicelib.api.present import key_out
from chalicelib.api.schemas import (
    KeyCreate,
    KeyList,
    KeyListQuery,
    KeyOut,
    KeyReplay,
    KeyRotate,
    KeyUpdate,
    KeyUsage,
    KeyWithSecret,
)
from chalicelib.domain.errors import StorageUnavailable
from chalicelib.domain.keys import Issued, KeyDraft
from chalicelib.domain.records import ApiKey, Claim

routes = Routes(__name__)


def _present(call: AnyCall, keys: list[ApiKey], after_write: bool = False) -> list[KeyOut]:
    """Shape keys for an answer, with their groups' names (and routes, for
    ``tokens_latchkey_only``).

    After a write has committed, a failure to read the names must not turn the answer
    into an error (a created key's secret would be lost): the name is left out instead.
    """
    tenant = call.principal.tenant_id
    try:
        # Only the groups these keys name (one BatchGetItem), never the tenant's every group.
        named = call.services.groups.named(tenant, {key.group_id for key in keys})
        groups = {group.group_id: group for group in named}
    except StorageUnavailable:
        if not after_write:
            raise
        groups = {}
    now = call.services.clock()
    return [key_out(key, groups, now, call.services.keys.expiring_soon) for key in keys]


def _with_secret(call: AnyCall, issued: Issued) -> KeyWithSecret:
    return KeyWithSecret(key=_present(call, [issued.key], after_write=True)[0], secret=issued.token)


def _replay(call: AnyCall, key_id: str) -> KeyReplay:
    key = call.services.keys.get(call.principal.tenant_id, key_id)
    return KeyReplay(key=_present(call, [key])[0], detail=REPLAY_NOTE)


@routes.route(
    Route(
        "/v1/keys",
        "POST",
        summary="Create a key; the response holds its secret, once",
        body=KeyCreate,
        response=KeyWithSecret,
        replay=KeyReplay,
        status=201,
        errors=(400, 409, 422),
    )
)
def create_key(call: Call[KeyCreate]) -> KeyWithSecret | Response:
    body = call.body
    draft = KeyDraft(
        name=body.name,
        description=body.description,
        group_id=body.group_id,
        expires_at=body.expires_at,
        ip_allowlist=tuple(body.ip_allowlist or ()),
    )

    def create(claim: Claim | None) -> KeyWithSecret:
        principal = call.principal
        return _with_secret(
            call, call.services.keys.create(principal.tenant_id, call.origin, draft, claim)
        )

    return idempotent(call, "create", create, lambda key_id: _replay(call, key_id))


@routes.route(
    Route(
        "/v1/keys",
        "GET",
        summary="List keys, newest first (by expiry with an expiry filter), with key usage",
        query=KeyListQuery,
        response=KeyList,
        errors=(422,),
    )
)
def list_keys(call: Call[None, KeyListQuery]) -> KeyList:
    query = call.query
    tenant_id = call.principal.tenant_id
    service = call.services.keys
    cursors = listing_cursors(call)
    scope = _scope(tenant_id, query)
    keys, last = service.list(
        tenant_id,
        query.status,
        query.expiry,
        query.limit,
        cursors.decode(query.cursor, scope),
        leaked=query.leaked,
    )
    tenant = call.services.tenants.get(tenant_id)
    return KeyList(
        keys=_present(call, keys),
        next_cursor=cursors.encode(last, scope),
        key_usage=KeyUsage(used=tenant.keys_used, limit=tenant.key_limit),
    )


def _scope(tenant_id: str, query: KeyListQuery) -> list[str | None]:
    """What a cursor of this listing is bound to: every filter, and the order they imply.

    An expiry filter lists by expiry, so its positions are of another order than the
    newest-first list's: a cursor of one is never read as the other's.
    """
    order = "keys" if query.expiry is None else "keys/by-expiry"
    scope: list[str | None] = [tenant_id, order, query.status, query.expiry]
    if query.leaked is not None:
        scope.append("leaked" if query.leaked else "clean")
    return scope


@routes.route(
    Route("/v1/keys/{key_id}", "GET", summary="Read one key", response=KeyOut, errors=(404,))
)
def get_key(call: Call) -> KeyOut:
    key = call.services.keys.get(call.principal.tenant_id, call.params["key_id"])
    return _present(call, [key])[0]


@routes.route(
    Route(
        "/v1/keys/{key_id}",
        "PATCH",
        summary="Edit name, description, group or IP allowlist",
        body=KeyUpdate,
        response=KeyOut,
        errors=(400, 404, 409, 422),
        confirms_lockout=True,
    )
)
def update_key(call: Call[KeyUpdate]) -> KeyOut:
    body = call.body
    key = call.services.keys.update(
        call.principal.tenant_id, call.params["key_id"], body.edit(), call.origin, caller(call)
    )
    return _present(call, [key], after_write=True)[0]


@routes.route(
    Route(
        "/v1/keys/{key_id}/rotate",
        "POST",
        summary="New secret, same key; the old secret dies now or after a grace period",
        body=KeyRotate,
        body_optional=True,
        response=KeyWithSecret,
        replay=KeyReplay,
        errors=(400, 404, 409, 422),
    )
)
def rotate_key(call: Call[KeyRotate]) -> KeyWithSecret | Response:
    body = call.body
    key_id = call.params["key_id"]

    def rotate(claim: Claim | None) -> KeyWithSecret:
        grace = timedelta(seconds=body.grace_period_seconds)
        issued = call.services.keys.rotate(
            call.principal.tenant_id, key_id, grace, body.expires_at, call.origin, claim
        )
        return _with_secret(call, issued)

    return idempotent(call, f"rotate:{key_id}", rotate, lambda made: _replay(call, made))


@routes.route(
    Route(
        "/v1/keys/{key_id}/revoke",
        "POST",
        summary="Revoke at once and for good",
        response=KeyOut,
        errors=(404, 409, 422),
        confirms_lockout=True,
    )
)
def revoke_key(call: Call) -> KeyOut:
    tenant = call.principal.tenant_id
    key = call.services.keys.revoke(tenant, call.params["key_id"], call.origin, caller(call))
    return _present(call, [key], after_write=True)[0]
