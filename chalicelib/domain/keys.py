"""The key lifecycle: create, list, read, edit, rotate, revoke.

The service decides (its rules are in chalicelib/domain/key_rules.py) and writes through
the KeyRepository port (chalicelib/domain/ports.py); it imports no storage module. Shapes
and lengths are checked at the HTTP edge before a request reaches this module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta

from chalicelib.domain import audit, key_rules
from chalicelib.domain.edits import UNCHANGED, KeyEdit
from chalicelib.domain.errors import Conflict, NotFound, StorageUnavailable
from chalicelib.domain.expiry import ExpiryPolicy
from chalicelib.domain.key_format import KeyFormat, display_hint
from chalicelib.domain.key_query import KeyFilter, KeyListPosition
from chalicelib.domain.lockout import NOBODY, Caller, check_key_edit, check_revoke
from chalicelib.domain.lost_answers import written_by_this_request
from chalicelib.domain.peppers import PepperSource, hash_secret
from chalicelib.domain.ports import GroupRepository, KeyRepository, NewExpiry
from chalicelib.domain.records import (
    SYSTEM,
    Actor,
    ApiKey,
    AuditEvent,
    Claim,
    ExpiryState,
    Group,
    KeyStatus,
    LeakMark,
    Origin,
    SecretHash,
    as_origin,
)


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


class KeyService:
    """Every change to a key goes through here."""

    def __init__(
        self,
        keys: KeyRepository,
        peppers: PepperSource,
        key_format: KeyFormat,
        clock: Callable[[], datetime],
        expiring_soon: timedelta,
        expiry: ExpiryPolicy,
        groups: GroupRepository,
    ) -> None:
        self._keys = keys
        self._groups = groups  # read for the lockout rule: the group a key moves into
        self._peppers = peppers
        self._key_format = key_format
        self._clock = clock
        self.expiring_soon = expiring_soon
        # When a new or re-expiring key first needs the expiry sweep: decided here, stored
        # by the repository (its sweep index finds the key at that instant).
        self._expiry = expiry

    def create(
        self, tenant_id: str, who: Actor | Origin, draft: KeyDraft, claim: Claim | None = None
    ) -> Issued:
        """Mint a key; the tenant limit and the group's existence are checked atomically.

        ``claim`` (an Idempotency-Key's) is completed in the same transaction.
        """
        origin = as_origin(who)
        now = self._clock()
        key_rules.require_future(draft.expires_at, now)
        token, parts = self._key_format.mint()
        key = ApiKey(
            key_id=parts.key_id,
            tenant_id=tenant_id,
            name=draft.name,
            description=draft.description,
            group_id=draft.group_id,
            status=KeyStatus.ACTIVE,
            expires_at=draft.expires_at,
            ip_allowlist=draft.ip_allowlist,
            created_by=origin.actor,
            created_at=now,
            updated_at=now,
            hint=display_hint(self._key_format.prefix, parts.key_id),
            current_secret=self._hash(parts.secret),
        )
        # The event records every field the draft asked for (never the secret or its hash).
        fields = audit.created(asdict(draft))
        record = audit.event(tenant_id, "key.created", ("key", key.key_id), origin, now, fields)
        due = None if key.expires_at is None else self._expiry.first_due(key.expires_at)
        try:
            self._keys.create(key, due, record, claim)
        except StorageUnavailable:
            if not written_by_this_request(self._keys, key, key.current_secret):
                raise
        return Issued(key, token)

    def list(
        self,
        tenant_id: str,
        status: KeyStatus | None,
        expiry: ExpiryState | None,
        limit: int,
        after: KeyListPosition | None,
        leaked: bool | None = None,
    ) -> tuple[list[ApiKey], KeyListPosition | None]:
        now = self._clock()
        wanted = KeyFilter(status, expiry, now, now + self.expiring_soon, leaked)
        return self._keys.list_keys(tenant_id, wanted, limit, after)

    def get(self, tenant_id: str, key_id: str) -> ApiKey:
        return self._keys.get_in_tenant(tenant_id, key_id)

    def update(
        self,
        tenant_id: str,
        key_id: str,
        edit: KeyEdit,
        origin: Origin = SYSTEM,
        caller: Caller = NOBODY,
    ) -> ApiKey:
        """Edit name, description, group or allowlist; never the expiry, never a revoked key.

        An edit that changes nothing writes nothing, not even an audit event. An edit that
        locks ``caller`` out needs its confirmation (chalicelib/domain/lockout.py).
        """
        key = self._keys.get_in_tenant(tenant_id, key_id)
        key_rules.require_editable(key)
        changed = edit.changes(key)
        if not changed:
            return key
        check_key_edit(caller, key, edit, self._new_group(tenant_id, caller, key, edit))
        now = self._clock()
        record = audit.event(tenant_id, "key.updated", ("key", key_id), origin, now, changed)
        return self._keys.update(key, edit, now, record)

    def _new_group(
        self, tenant_id: str, caller: Caller, key: ApiKey, edit: KeyEdit
    ) -> Group | None:
        """The group the caller's own key moves into, read for the lockout rule; None when
        the key is not the caller's, does not move, or the group does not exist (storage
        refuses that move with its own error)."""
        if caller.key_id != key.key_id or edit.group_id in (UNCHANGED, key.group_id):
            return None
        try:
            return self._groups.get(tenant_id, str(edit.group_id))
        except NotFound:
            return None

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
        key_rules.check_grace(grace)
        key = self._keys.get_in_tenant(tenant_id, key_id)
        now = self._clock()
        key_rules.require_rotatable(key, now)
        key_rules.require_future(expires_at, now)
        token, parts = self._key_format.mint(key.key_id)
        current = self._hash(parts.secret)
        previous = replace(key.current_secret, valid_until=now + grace) if grace else None
        changes: audit.Changes = {
            "rotated_at": (key.rotated_at, now),
            "grace_period_seconds": (None, int(grace.total_seconds())),
        }
        expiry = None
        if expires_at is not None:
            changes["expires_at"] = (key.expires_at, expires_at)
            expiry = NewExpiry(expires_at, self._expiry.first_due(expires_at))
        record = audit.event(tenant_id, "key.rotated", ("key", key_id), origin, now, changes)
        if not self._rotate(key, current, previous, expiry, now, record, claim):
            # Lost a race: a revoke, expiry or another rotation got there first.
            key_rules.require_rotatable(self._keys.get_in_tenant(tenant_id, key_id), now)
            raise Conflict("another rotation of this key won; read it and retry")
        return Issued(key_rules.rotated(key, current, previous, expires_at, now), token)

    def _rotate(
        self,
        key: ApiKey,
        current: SecretHash,
        previous: SecretHash | None,
        expiry: NewExpiry | None,
        now: datetime,
        record: AuditEvent,
        claim: Claim | None,
    ) -> bool:
        """The repository's rotate, and a lost answer of a rotation that committed is a
        success (chalicelib/domain/lost_answers.py)."""
        try:
            return self._keys.rotate(key, current, previous, expiry, now, record, claim)
        except StorageUnavailable:
            if not written_by_this_request(self._keys, key, current):
                raise
            return True

    def revoke(
        self, tenant_id: str, key_id: str, who: Actor | Origin, caller: Caller = NOBODY
    ) -> ApiKey:
        """Revoke at once and for good; revoking a revoked key changes nothing.

        Revoking ``caller``'s own key needs its confirmation; the tenant's last manager is
        never revoked (LastManager, from the write: chalicelib/storage/managers.py).
        """
        key = self._keys.get_in_tenant(tenant_id, key_id)
        if key.status is KeyStatus.ACTIVE:
            check_revoke(caller, key)
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
        return key_rules.revoked(key, origin.actor, now, leak)

    def _hash(self, secret: str) -> SecretHash:
        version, pepper = self._peppers.current()
        return SecretHash(hash_secret(pepper, secret), version)
