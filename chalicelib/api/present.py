"""Shapes domain records into response models."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from chalicelib.api.schemas import ActorOut, GroupOut, GroupRef, KeyOut
from chalicelib.api.schemas.leaks import LeakOut
from chalicelib.domain.key_query import expiry_state
from chalicelib.domain.records import Actor, ApiKey, Group
from chalicelib.domain.token_audience import latchkey_only


def actor_out(actor: Actor | None) -> ActorOut | None:
    if actor is None:
        return None
    return ActorOut.model_validate({"type": actor.type, "id": actor.id, "name": actor.name})


def key_out(key: ApiKey, groups: Mapping[str, Group], now: datetime, window: timedelta) -> KeyOut:
    """``groups``: the key's group at least, when it could be read (else its name is left
    out, and its tokens are said to be Latchkey-only: the safe thing to tell)."""
    group = groups.get(key.group_id)
    created_by = actor_out(key.created_by)
    assert created_by is not None
    previous = key.previous_secret
    grace_until = previous.valid_until if previous and previous.valid_until else None
    return KeyOut(
        id=key.key_id,
        name=key.name,
        description=key.description,
        group=GroupRef(id=key.group_id, name=group.name if group else None),
        status=key.status,
        expiry_state=expiry_state(key, now, window),
        expires_at=key.expires_at,
        ip_allowlist=list(key.ip_allowlist),
        created_by=created_by,
        created_at=key.created_at,
        updated_at=key.updated_at,
        last_used_at=key.last_used_at,
        revoked_at=key.revoked_at,
        revoked_by=actor_out(key.revoked_by),
        rotated_at=key.rotated_at,
        previous_secret_valid_until=grace_until if grace_until and grace_until > now else None,
        hint=key.hint,
        leak=_leak_out(key),
        tokens_latchkey_only=group is None or latchkey_only(key.ip_allowlist, group.routes),
    )


def _leak_out(key: ApiKey) -> LeakOut | None:
    if key.leak is None:
        return None
    from chalicelib.domain.leaks import where_found  # only for a leaked key (cold start)

    url = key.leak.url and where_found(key.leak.url, "")
    return LeakOut(reported_at=key.leak.reported_at, source=key.leak.source, url=url)


def group_out(group: Group) -> GroupOut:
    return GroupOut(
        id=group.group_id,
        name=group.name,
        description=group.description,
        permissions=list(group.permissions),
        routes=list(group.routes),
        key_count=group.key_count,
        created_at=group.created_at,
        updated_at=group.updated_at,
        tokens_latchkey_only=latchkey_only((), group.routes),
    )
