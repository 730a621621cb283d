"""``GET /v1/platform/keys/{key_id}``: whose key this is (a support engineer holding a
leaked key reads its id, the token's second part, and asks here)."""

from __future__ import annotations

from chalicelib.api.endpoint import Call, Routes
from chalicelib.api.operations import Route
from chalicelib.api.schemas.platform import KeyOwnerOut
from chalicelib.domain.errors import NotFound

routes = Routes(__name__)
TAG = "platform"


@routes.route(
    Route(
        "/v1/platform/keys/{key_id}",
        "GET",
        summary="Whose key this is: its tenant, name and state (never its secret)",
        response=KeyOwnerOut,
        errors=(401, 403, 404),
        tag=TAG,
        platform=True,
    )
)
def key_owner(call: Call) -> KeyOwnerOut:
    key_id = call.params["key_id"]
    key = call.services.wiring.key_store.get_key(key_id)
    if key is not None:
        return KeyOwnerOut(
            key_id=key.key_id,
            kind="tenant",
            tenant_id=key.tenant_id,
            name=key.name,
            status=key.status.value,
            group_id=key.group_id,
            hint=key.hint,
            created_at=key.created_at,
            expires_at=key.expires_at,
            revoked_at=key.revoked_at,
            last_used_at=key.last_used_at,
        )
    platform_key = call.services.platform_keys.get(key_id)
    if platform_key is None:
        raise NotFound("no key has this id")
    return KeyOwnerOut(
        key_id=platform_key.key_id,
        kind="platform",
        tenant_id=None,
        name=platform_key.name,
        status=platform_key.status.value,
        group_id=None,
        hint=platform_key.hint,
        created_at=platform_key.created_at,
        expires_at=None,
        revoked_at=platform_key.revoked_at,
        last_used_at=None,
    )
