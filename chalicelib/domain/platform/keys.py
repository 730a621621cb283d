"""Platform keys: the same token format, hashing and show-once rule as tenant keys.

A platform key belongs to no tenant. Its token carries the platform prefix
(``<stage prefix>_platform``), so the tenant key parser (the authorizer, ``/v1/verify``,
the token endpoint) refuses it offline, at no database read. Only an HMAC of its secret
is stored (chalicelib/domain/peppers.py); the secret is in the one answer that creates it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from chalicelib.domain import audit
from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.domain.key_format import KeyFormat, display_hint
from chalicelib.domain.peppers import PepperSource, hash_secret, secret_matches
from chalicelib.domain.platform.principals import (
    PLATFORM_MANAGE,
    PLATFORM_READ,
    PLATFORM_TRAIL,
    PlatformPrincipal,
    platform_actor,
)
from chalicelib.domain.records import Actor, AuditEvent, KeyStatus, Origin, SecretHash

NAME_LENGTH = (2, 200)


@dataclass(frozen=True)
class PlatformKey:
    """One platform key, without its secret."""

    key_id: str
    name: str
    permissions: tuple[str, ...]
    status: KeyStatus
    created_at: datetime
    created_by: Actor
    hint: str
    secret: SecretHash
    revoked_at: datetime | None = None
    revoked_by: Actor | None = None


@dataclass(frozen=True)
class IssuedPlatformKey:
    """A new platform key and its token: the only time the token exists outside a client."""

    key: PlatformKey
    token: str

    def __repr__(self) -> str:
        return f"IssuedPlatformKey(key={self.key!r}, token=<redacted>)"


class PlatformKeyRepository(Protocol):
    """Where platform keys live: one item per key, found by its id with one read."""

    def create(self, key: PlatformKey, event: AuditEvent) -> None:
        """Store a new key with its event; Conflict when the id is taken."""
        ...

    def get(self, key_id: str) -> PlatformKey | None:
        """The key (strongly consistent), or None."""
        ...

    def list(self) -> list[PlatformKey]:
        """Every platform key (an operator's listing: a handful of items)."""
        ...

    def revoke(self, key: PlatformKey, event: AuditEvent) -> bool:
        """Mark ``key`` revoked with its event; False when it was revoked meanwhile."""
        ...


class PlatformKeyService:
    """Creates, lists, revokes and authenticates platform keys."""

    def __init__(
        self,
        store: PlatformKeyRepository,
        peppers: PepperSource,
        tokens: KeyFormat,
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._peppers = peppers
        self._tokens = tokens
        self._clock = clock

    def create(self, name: str, read_only: bool, origin: Origin) -> IssuedPlatformKey:
        """A new key granting ``platform:read`` (read_only) or ``platform:manage``."""
        _check_name(name)
        token, parts = self._tokens.mint()
        version, pepper = self._peppers.current()
        now = self._clock()
        permissions = (PLATFORM_READ,) if read_only else (PLATFORM_MANAGE,)
        key = PlatformKey(
            key_id=parts.key_id,
            name=name,
            permissions=permissions,
            status=KeyStatus.ACTIVE,
            created_at=now,
            created_by=origin.actor,
            hint=display_hint(self._tokens.prefix, parts.key_id),
            secret=SecretHash(hash_secret(pepper, parts.secret), version),
        )
        changes = audit.created({"name": name, "permissions": list(permissions)})
        target = ("platform_key", key.key_id)
        event = audit.event(PLATFORM_TRAIL, "platform_key.created", target, origin, now, changes)
        self._store.create(key, event)
        return IssuedPlatformKey(key, token)

    def list(self) -> list[PlatformKey]:
        return sorted(self._store.list(), key=lambda key: key.created_at, reverse=True)

    def revoke(self, key_id: str, origin: Origin) -> PlatformKey:
        """Revoke at once and for good; revoking again changes nothing."""
        key = self._store.get(key_id)
        if key is None:
            raise NotFound(f"no platform key {key_id!r}")
        if key.status is KeyStatus.REVOKED:
            return key
        now = self._clock()
        changes = {"status": (key.status.value, KeyStatus.REVOKED.value)}
        target = ("platform_key", key_id)
        event = audit.event(PLATFORM_TRAIL, "platform_key.revoked", target, origin, now, changes)
        if not self._store.revoke(key, event):
            return self._store.get(key_id) or key
        return replace(key, status=KeyStatus.REVOKED, revoked_at=now, revoked_by=origin.actor)

    def get(self, key_id: str) -> PlatformKey | None:
        return self._store.get(key_id)

    def recognises(self, token: str | None) -> bool:
        """True when ``token`` is shaped like a platform key (no database read)."""
        return self._tokens.parse(token) is not None

    def authenticate(self, token: str | None) -> PlatformPrincipal | None:
        """The principal of an active platform key whose secret matches, else None."""
        parsed = self._tokens.parse(token)
        if parsed is None:
            return None
        key = self._store.get(parsed.key_id)
        if key is None or key.status is not KeyStatus.ACTIVE:
            return None
        pepper = self._peppers.get(key.secret.pepper_version)
        if not secret_matches(pepper, parsed.secret, key.secret.digest):
            return None
        return PlatformPrincipal(platform_actor(key.key_id, key.name), frozenset(key.permissions))


def _check_name(name: str) -> None:
    low, high = NAME_LENGTH
    if not low <= len(name) <= high or not name.strip():
        raise InvalidInput(
            f"a platform key's name is {low}-{high} characters, not all whitespace",
            errors=[{"field": "name", "message": f"must be {low}-{high} characters"}],
        )
