"""Audit events as the domain builds them: who changed what, from where, before and after.

Services build one event per change and hand it to the store, which writes it in the same
transaction as the change. Fields that hold secrets never appear here: a rotation records
that it happened and its grace period, not the secret or its hash.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

from chalicelib.domain.records import AuditEvent, Origin

ACTIONS = (
    "key.created",
    "key.updated",
    "key.rotated",
    "key.revoked",
    "key.flagged_expiring",
    "key.flagged_expired",
    "key.warning_released",
    "group.created",
    "group.updated",
    "group.deleted",
    "tenant.created",
    "tenant.limit_changed",
    # `latchkey tenants check --repair` set counters back to the keys' count.
    "tenant.counters_repaired",
    # Leaked keys (chalicelib/domain/leaks.py)
    "key.leaked",
    "tenant.leak_policy_changed",
    # Webhooks (chalicelib/domain/webhook_endpoints.py, webhook_delivery.py)
    "webhook.created",
    "webhook.updated",
    "webhook.secret_rotated",
    "webhook.deleted",
    "webhook.disabled",
    # The provider's side (chalicelib/domain/platform/): platform keys, and what platform
    # principals do to tenants.
    "platform_key.created",
    "platform_key.revoked",
    "tenant.updated",
)


def event(
    tenant_id: str,
    action: str,
    target: tuple[str, str],
    origin: Origin,
    at: datetime,
    changes: Mapping[str, tuple[object, object]],
) -> AuditEvent:
    """A new event about ``target`` (type, id)."""
    assert action in ACTIONS, action
    return AuditEvent(
        uuid.uuid4().hex, tenant_id, action, target[0], target[1], origin, at, dict(changes)
    )


Changes = dict[str, tuple[object, object]]


def diff(before: Mapping[str, object], after: Mapping[str, object]) -> Changes:
    """The fields of ``after`` whose value differs from ``before``."""
    return {
        name: (before.get(name), value)
        for name, value in after.items()
        if _plain(before.get(name)) != _plain(value)
    }


def created(fields: Mapping[str, object]) -> Changes:
    return {name: (None, value) for name, value in fields.items()}


def _plain(value: object) -> object:
    if isinstance(value, tuple | list):
        return list(value)
    return value
