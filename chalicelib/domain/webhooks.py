"""Webhooks as the domain sees them: event types, endpoints, deliveries and their messages.

A webhook carries the same facts as the audit event it comes from (target, actor, changes,
request id; never a secret, since audit events hold none). :func:`message_of` turns an
audit event into the Standard Webhooks payload ``{"type", "timestamp", "data"}``; the
store writes it into the outbox in the change's own transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.clock import iso_z
from chalicelib.domain.records import AuditEvent

# An endpoint's id: "wh_" and a UUID's 32 hex digits (chalicelib/domain/webhook_endpoints.py).
WEBHOOK_ID_PATTERN = "^wh_[0-9a-f]{32}$"

EVENT_TYPES = (
    "key.created",
    "key.updated",
    "key.rotated",
    "key.revoked",
    "key.leaked",
    "key.expiring",
    "key.expired",
    "group.created",
    "group.updated",
    "group.deleted",
    "tenant.suspended",
    "tenant.resumed",
)
# A subscription names a type, or a family: "key.*", "group.*", "tenant.*".
FAMILIES = tuple(sorted({f"{name.split('.')[0]}.*" for name in EVENT_TYPES}))
SUBSCRIPTIONS = (*EVENT_TYPES, *FAMILIES)
# The audit actions whose facts go out as webhooks, and the type each goes out as.
FROM_AUDIT = {name: name for name in EVENT_TYPES} | {
    "key.flagged_expiring": "key.expiring",
    "key.flagged_expired": "key.expired",
}


def subscribed(events: tuple[str, ...], event_type: str) -> bool:
    family = event_type.split(".")[0] + ".*"
    return event_type in events or family in events


class EndpointStatus:
    ENABLED = "enabled"
    DISABLED = "disabled"


class DeliveryState:
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


@dataclass(frozen=True)
class Endpoint:
    """A tenant's webhook endpoint. The secrets are sealed (webhook_secrets.SecretBox)."""

    tenant_id: str
    endpoint_id: str
    url: str
    events: tuple[str, ...]
    description: str | None
    status: str
    created_at: datetime
    updated_at: datetime
    sealed_secret: str = field(repr=False)
    # After a rotation: the old secret, still signing until previous_valid_until.
    sealed_previous: str | None = field(default=None, repr=False)
    previous_valid_until: datetime | None = None
    disabled_at: datetime | None = None
    disabled_reason: str | None = None

    @property
    def context(self) -> str:
        """What a sealed secret is bound to (the AES-GCM associated data)."""
        return f"{self.tenant_id}#{self.endpoint_id}"


@dataclass(frozen=True)
class Message:
    """One event to deliver: the outbox item, and what every delivery of it sends."""

    event_id: str
    tenant_id: str
    event_type: str
    at: datetime
    body: str  # the JSON payload, byte for byte what is signed and sent

    @property
    def message_id(self) -> str:
        """The ``webhook-id`` header: the same for every attempt, so receivers deduplicate."""
        return f"msg_{self.event_id}"


@dataclass(frozen=True)
class Attempt:
    at: datetime
    status_code: int | None  # None: no HTTP answer (refused, timed out, unreachable)
    error: str | None
    duration_ms: int


@dataclass(frozen=True)
class Delivery:
    """One message to one endpoint, with every attempt made (never the body's secrets: none)."""

    tenant_id: str
    endpoint_id: str
    message_id: str
    event_type: str
    created_at: datetime
    body: str = field(repr=False)
    state: str = DeliveryState.PENDING
    attempts: tuple[Attempt, ...] = ()
    next_attempt_at: datetime | None = None

    @property
    def sort_key(self) -> str:
        """Newest last within the endpoint; unique per message."""
        return f"{iso_z(self.created_at)}#{self.message_id}"

    @property
    def ref(self) -> DeliveryRef:
        return DeliveryRef(self.tenant_id, self.endpoint_id, self.sort_key)


@dataclass(frozen=True)
class DeliveryRef:
    """What the delivery queue carries: where the delivery is, never its body."""

    tenant_id: str
    endpoint_id: str
    sort_key: str

    def to_json(self) -> str:
        return json.dumps({"t": self.tenant_id, "e": self.endpoint_id, "s": self.sort_key})

    @classmethod
    def from_json(cls, text: str) -> DeliveryRef:
        raw = json.loads(text)
        return cls(str(raw["t"]), str(raw["e"]), str(raw["s"]))


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return iso_z(value)
    if isinstance(value, tuple | list | set | frozenset):
        return [_plain(item) for item in value]
    return value


def message_of(event: AuditEvent) -> Message | None:
    """The webhook an audit event becomes, or None when its action is not one."""
    event_type = FROM_AUDIT.get(event.action)
    if event_type is None:
        return None
    actor = event.origin.actor
    data: dict[str, Any] = {
        "event_id": event.event_id,
        "tenant_id": event.tenant_id,
        "target": {"type": event.target_type, "id": event.target_id},
        "actor": {"type": actor.type, "id": actor.id, "name": actor.name},
        "changes": {
            name: {"before": _plain(before), "after": _plain(after)}
            for name, (before, after) in event.changes.items()
        },
        "request_id": event.origin.request_id,
    }
    payload = {"type": event_type, "timestamp": iso_z(event.at), "data": data}
    body = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return Message(event.event_id, event.tenant_id, event_type, event.at, body)
