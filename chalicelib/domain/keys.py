"""The key lifecycle: create, list, read, edit, rotate, revoke.

Rules that need the clock or the store live here; shapes and lengths are checked at the
HTTP edge before a request reaches this module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain import audit
from chalicelib.domain.errors import Conflict, InvalidInput, KeyExpired, KeyRevoked
from chalicelib.domain.records import (
    SYSTEM,
    Actor,
    ApiKey,
    Claim,
    ExpiryState,
    KeyStatus,
    LeakMark,
    Origin,
    SecretHash,
    Tenant,
    as_origin,
)
from chalicelib.peppers import PepperSource, hash_secret
from chalicelib.storage.key_list import KeyFilter, Position
from chalicelib.storage.keys import KeyStore
from chalicelib.storage.tenants import TenantStore
from chalicelib.tokens import TokenFormat, display_hint

MAX_GRACE = timedelta(hours=24)


@dataclass(frozen=True)
class KeyDraft:
    """What a caller asks for when creating a key."""

    name: str
    description: str
    group_id: str
    expires_at: datetime | None
    ip_allowlist: tuple[str, ...]


@dataclass(frozen=True)
class Issued:
    """A key with the token that carries its secret: returned once, never stored."""

    key: ApiKey
    token: str


def expiry_state(key: ApiKey, now: datetime, window: timedelta) -> ExpiryState:
    """Where ``key`` stands against its expiry; a key without expiry is always valid."""
    if key.expires_at is None or key.expires_at > now + window:
        return ExpiryState.VALID
    if key.expires_at > now:
        return ExpiryState.EXPIRING_SOON
    return ExpiryState.EXPIRED


class KeyService:
    """Every change to a key goes through here."""

    def __init__(
        self,
        keys: KeyStore,
        tenants: TenantStore,
        peppers: PepperSource,
        tokens: TokenFormat,
        clock: Callable[[], datetime],
        expiring_soon: timedelta,
    ) -> None:
        self._keys = keys
        self._tenants = tenants
        self._peppers = peppers
        self._tokens = tokens
        self._clock = clock
        self.expiring_soon = expiring_soon

    def now(self) -> datetime:
        return self._clock()

    def create(
        self, tenant_id: str, who: Actor | Origin, draft: KeyDraft, claim: Claim | None = None
    ) -> Issued:
        """Mint a key; the tenant limit and the group's existence are checked atomically.

        ``claim`` (an Idempotency-Key's) is completed in the same transaction.
        """
        origin = as_origin(who)
        actor = origin.actor
        now = self._clock()
        _require_future(draft.expires_at, now)
        token, parts = self._tokens.mint()
        key = ApiKey(
            key_id=parts.key_id,
            tenant_id=tenant_id,
            name=draft.name,
            description=draft.description,
            group_id=draft.group_id,
            status=KeyStatus.ACTIVE,
            expires_at=draft.expires_at,
            ip_allowlist=draft.ip_allowlist,
            created_by=actor,
            created_at=now,
            updated_at=now,
            hint=display_hint(self._tokens.prefix, parts.key_id),
            current_secret=self._hash(parts.secret),
        )
        fields = {
            "name": key.name,
            "description": key.description,
            "group_id": key.group_id,
            "expires_at": key.expires_at,
            "ip_allowlist": key.ip_allowlist,
        }
        record = audit.event(
            tenant_id, "key.created", ("key", key.key_id), origin, now, audit.created(fields)
        )
        self._keys.create(key, record, claim)
        return Issued(key, token)

    def list(
        self,
        tenant_id: str,
        status: KeyStatus | None,
        expiry: ExpiryState | None,
        limit: int,
        after: Position | None,
        leaked: bool | None = None,
    ) -> tuple[list[ApiKey], Position | None]:
        now = self._clock()
        wanted = KeyFilter(status, expiry, now, now + self.expiring_soon, leaked)
        return self._keys.list_keys(tenant_id, wanted, limit, after)

    def usage(self, tenant_id: str) -> Tenant:
        return self._tenants.get(tenant_id)

    def get(self, tenant_id: str, key_id: str) -> ApiKey:
        return self._keys.get_in_tenant(tenant_id, key_id)

    def update(
        self, tenant_id: str, key_id: str, changes: dict[str, Any], origin: Origin = SYSTEM
    ) -> ApiKey:
        """Edit name, description, group or allowlist; never the expiry, never a revoked key."""
        key = self._keys.get_in_tenant(tenant_id, key_id)
        if key.status is KeyStatus.REVOKED:
            raise KeyRevoked("a revoked key cannot be edited")
        before = {name: getattr(key, name) for name in changes}
        changed = audit.diff(before, changes)
        if not changed:
            return key
        now = self._clock()
        record = audit.event(tenant_id, "key.updated", ("key", key_id), origin, now, changed)
        return self._keys.update(key, changes, now, record)

    def rotate(
        self,
        tenant_id: str,
        key_id: str,
        grace: timedelta,
        expires_at: datetime | None,
        origin: Origin = SYSTEM,
        claim: Claim | None = None,
    ) -> Issued:
        """A new secret for the same key; the old one works for ``grace`` (0: dies now).

        ``claim`` (an Idempotency-Key's) is completed in the same transaction.
        """
        if not timedelta(0) <= grace <= MAX_GRACE:
            raise InvalidInput(
                "grace period out of range",
                errors=[{"field": "grace_period_seconds", "message": "must be 0 to 86400"}],
            )
        key = self._keys.get_in_tenant(tenant_id, key_id)
        now = self._clock()
        self._require_rotatable(key, now)
        _require_future(expires_at, now)
        token, parts = self._tokens.mint(key.key_id)
        current = self._hash(parts.secret)
        previous = replace(key.current_secret, valid_until=now + grace) if grace else None
        changes: audit.Changes = {
            "rotated_at": (key.rotated_at, now),
            "grace_period_seconds": (None, int(grace.total_seconds())),
        }
        if expires_at is not None:
            changes["expires_at"] = (key.expires_at, expires_at)
        record = audit.event(tenant_id, "key.rotated", ("key", key_id), origin, now, changes)
        if not self._keys.rotate(key, current, previous, expires_at, now, record, claim):
            # Lost a race: a revoke, expiry or another rotation got there first.
            self._require_rotatable(self._keys.get_in_tenant(tenant_id, key_id), now)
            raise Conflict("another rotation of this key won; read it and retry")
        # The answer is built from what was written, not read back: once the write has
        # committed, a failed read must not turn the new secret into a lost 503.
        rotated = replace(
            key,
            current_secret=current,
            previous_secret=previous,
            expires_at=expires_at or key.expires_at,
            rotated_at=now,
            updated_at=now,
        )
        return Issued(rotated, token)

    def revoke(self, tenant_id: str, key_id: str, who: Actor | Origin) -> ApiKey:
        """Revoke at once and for good; revoking a revoked key changes nothing."""
        key = self._keys.get_in_tenant(tenant_id, key_id)
        return self._revoke(key, as_origin(who)) or self._keys.get_in_tenant(tenant_id, key_id)

    def revoke_leaked(self, key: ApiKey, origin: Origin, leak: LeakMark) -> ApiKey | None:
        """Revoke a key reported leaked and record the leak, in one transaction.

        None when this call changed nothing: the key was revoked already, or this leak was
        recorded already (a repeated or racing report).
        """
        return self._revoke(key, origin, leak)

    def _revoke(self, key: ApiKey, origin: Origin, leak: LeakMark | None = None) -> ApiKey | None:
        if key.status is not KeyStatus.ACTIVE:
            return None
        now = leak.leak.reported_at if leak else self._clock()
        changes = {"status": (KeyStatus.ACTIVE.value, KeyStatus.REVOKED.value)}
        target = ("key", key.key_id)
        record = audit.event(key.tenant_id, "key.revoked", target, origin, now, changes)
        if not self._keys.revoke(key, origin.actor, now, record, leak):
            return None
        # Built from what was written (see rotate), not read back.
        return replace(
            key,
            status=KeyStatus.REVOKED,
            revoked_at=now,
            revoked_by=origin.actor,
            updated_at=now,
            previous_secret=None,
            leak=leak.leak if leak else key.leak,
            leaked_secrets=key.leaked_secrets | {leak.fingerprint} if leak else key.leaked_secrets,
        )

    def _require_rotatable(self, key: ApiKey, now: datetime) -> None:
        if key.status is KeyStatus.REVOKED:
            raise KeyRevoked("a revoked key cannot be rotated")
        if key.is_expired(now):
            raise KeyExpired("an expired key cannot be rotated; create a new key")

    def _hash(self, secret: str) -> SecretHash:
        version, pepper = self._peppers.current()
        return SecretHash(hash_secret(pepper, secret), version)


def _require_future(expires_at: datetime | None, now: datetime) -> None:
    if expires_at is not None and expires_at <= now:
        raise InvalidInput(
            "expiry must be in the future",
            errors=[{"field": "expires_at", "message": "must be in the future"}],
        )
