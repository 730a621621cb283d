"""Converts between PynamoDB items and the domain's records."""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain.records import (
    Actor,
    ApiKey,
    Group,
    KeyStatus,
    Leak,
    LeakPolicy,
    SecretHash,
    Tenant,
)
from chalicelib.storage.attributes import ActorAttribute
from chalicelib.storage.key_model import KeyModel
from chalicelib.storage.models import GroupModel, TenantModel


def actor_from(item: ActorAttribute | None) -> Actor | None:
    if item is None:
        return None
    return Actor(type=item.type, id=item.id, name=item.name)


def actor_to(actor: Actor) -> ActorAttribute:
    return ActorAttribute(type=actor.type, id=actor.id, name=actor.name)


def key_from(item: KeyModel) -> ApiKey:
    previous = None
    if item.previous_secret_hash is not None and item.previous_pepper_version is not None:
        previous = SecretHash(
            item.previous_secret_hash,
            int(item.previous_pepper_version),
            item.previous_valid_until,
        )
    created_by = actor_from(item.created_by)
    if created_by is None:  # required: an item without it is unreadable (readable.py)
        raise ValueError("a key item without created_by")
    return ApiKey(
        key_id=item.key_id,
        tenant_id=item.tenant_id,
        name=item.name,
        description=item.description or "",
        group_id=item.group_id,
        status=KeyStatus(item.status),
        expires_at=item.expires_at,
        ip_allowlist=tuple(str(entry) for entry in item.ip_allowlist or ()),
        created_by=created_by,
        created_at=item.created_at,
        updated_at=item.updated_at,
        hint=item.hint,
        current_secret=SecretHash(item.secret_hash, int(item.pepper_version)),
        previous_secret=previous,
        last_used_at=item.last_used_at,
        revoked_at=item.revoked_at,
        revoked_by=actor_from(item.revoked_by),
        rotated_at=item.rotated_at,
        leak=leak_from(item),
        leaked_secrets=frozenset(item.leaked_secrets or ()),
    )


def leak_from(item: KeyModel) -> Leak | None:
    # Typed as the attribute reads; the stubs type a nullable attribute as never None.
    reported_at: datetime | None = item.leaked_at
    if reported_at is None:
        return None
    return Leak(reported_at, item.leak_source or "", item.leak_url)


def key_to(key: ApiKey) -> KeyModel:
    return KeyModel(
        key.key_id,
        tenant_id=key.tenant_id,
        created_sort=f"{key.created_at.isoformat()}#{key.key_id}",
        name=key.name,
        description=key.description or None,
        group_id=key.group_id,
        status=key.status.value,
        expires_at=key.expires_at,
        ip_allowlist=list(key.ip_allowlist) or None,
        created_by=actor_to(key.created_by),
        created_at=key.created_at,
        updated_at=key.updated_at,
        hint=key.hint,
        secret_hash=key.current_secret.digest,
        pepper_version=key.current_secret.pepper_version,
        counted=True,
    )


def group_from(item: GroupModel) -> Group:
    return Group(
        group_id=item.group_id,
        tenant_id=item.tenant_id,
        name=item.name,
        description=item.description or "",
        permissions=tuple(str(entry) for entry in item.permissions),
        routes=tuple(str(entry) for entry in item.routes),
        created_at=item.created_at,
        updated_at=item.updated_at,
        key_count=int(item.key_count or 0),
    )


def group_to(group: Group) -> GroupModel:
    return GroupModel(
        group.tenant_id,
        group.group_id,
        name=group.name,
        description=group.description or None,
        permissions=list(group.permissions),
        routes=list(group.routes),
        created_at=group.created_at,
        updated_at=group.updated_at,
        key_count=group.key_count,
    )


def tenant_from(item: TenantModel) -> Tenant:
    return Tenant(
        tenant_id=item.tenant_id,
        key_limit=int(item.key_limit),
        keys_used=int(item.keys_used or 0),
        created_at=item.created_at,
        group_limit=None if item.group_limit is None else int(item.group_limit),
        groups_used=int(item.groups_used or 0),
        leak_policy=LeakPolicy(item.leak_policy or LeakPolicy.REVOKE.value),
        display_name=item.display_name,
        status=item.status or "active",
    )
