"""The plain records the domain works on, as storage returns them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class KeyStatus(StrEnum):
    """Whether a key may still authenticate (before expiry is considered)."""

    ACTIVE = "active"
    REVOKED = "revoked"


class LeakPolicy(StrEnum):
    """What a tenant wants done when one of its keys is reported public (default: revoke)."""

    REVOKE = "revoke"
    NOTIFY = "notify"


class ExpiryState(StrEnum):
    """Where a key stands against its expiry, as the list filter names it."""

    VALID = "valid"
    EXPIRING_SOON = "expiring_soon"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Actor:
    """Who did something: a key, a user (OpenID Connect) or the system."""

    type: str
    id: str
    name: str


@dataclass(frozen=True)
class Origin:
    """Who made a change, and from where: what every audit event records."""

    actor: Actor
    source_ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None


SYSTEM = Origin(Actor(type="system", id="latchkey", name="Latchkey"))


def as_origin(who: Actor | Origin) -> Origin:
    """An Origin for a bare Actor (a change made outside any HTTP request)."""
    return who if isinstance(who, Origin) else Origin(who)


@dataclass(frozen=True)
class AuditEvent:
    """One lifecycle change: written in the same transaction as the change itself.

    ``changes`` maps a field to its (before, after) values; never a secret or a hash.
    """

    event_id: str
    tenant_id: str
    action: str
    target_type: str
    target_id: str
    origin: Origin
    at: datetime
    changes: dict[str, tuple[object, object]]


@dataclass(frozen=True)
class SecretHash:
    """A stored secret: its HMAC, the pepper version, and until when it works (if bounded)."""

    digest: str
    pepper_version: int
    valid_until: datetime | None = None


@dataclass(frozen=True)
class Leak:
    """When and where a key's secret was reported public: the source and URL, never the token."""

    reported_at: datetime
    source: str
    url: str | None = None


@dataclass(frozen=True)
class LeakMark:
    """What recording one leak writes: the leak, the reported secret's fingerprint (of its
    stored hash, never of the token) and the leak's audit event."""

    leak: Leak
    fingerprint: str
    event: AuditEvent


@dataclass(frozen=True)
class ApiKey:
    """One API key, without its secret."""

    key_id: str
    tenant_id: str
    name: str
    description: str
    group_id: str
    status: KeyStatus
    expires_at: datetime | None
    ip_allowlist: tuple[str, ...]
    created_by: Actor
    created_at: datetime
    updated_at: datetime
    hint: str
    current_secret: SecretHash
    previous_secret: SecretHash | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
    revoked_by: Actor | None = None
    rotated_at: datetime | None = None
    # Leaked keys (docs/secret-scanning.md): the latest report, and a fingerprint of each
    # stored secret hash that was reported, so the same leak reported again changes nothing.
    leak: Leak | None = None
    leaked_secrets: frozenset[str] = frozenset()

    def is_expired(self, now: datetime) -> bool:
        """True once the expiry has passed; an expired key never authenticates again."""
        return self.expires_at is not None and self.expires_at <= now


@dataclass(frozen=True)
class Group:
    """An authorization group: what its keys may do and which routes they may call."""

    group_id: str
    tenant_id: str
    name: str
    description: str
    permissions: tuple[str, ...]
    routes: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    key_count: int = 0


@dataclass(frozen=True)
class Tenant:
    """A customer of the SaaS product; its keys count against ``key_limit``."""

    tenant_id: str
    key_limit: int
    keys_used: int
    created_at: datetime
    group_limit: int | None = None  # None: the deployment's default
    groups_used: int = 0
    leak_policy: LeakPolicy = LeakPolicy.REVOKE
    # The provider's side: a name for people, and the tenant's status (a tenant written
    # before it has none stored, and reads as active).
    display_name: str | None = None
    status: str = "active"


@dataclass(frozen=True)
class TenantEdit:
    """A platform principal's change to a tenant: each field None when left as it is."""

    key_limit: int | None = None
    group_limit: int | None = None
    leak_policy: LeakPolicy | None = None
    display_name: str | None = None


# The Idempotency-Key record completes in the same transaction as the change.
@dataclass(frozen=True)
class Claim:
    """A request's hold on its Idempotency-Key record, fenced by a token of its own.

    The write that makes (or rotates) the key marks the record done in the same
    transaction, on condition that it is still pending under ``token``.
    """

    record_id: str
    token: str
