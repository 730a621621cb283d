"""The rules a key change must pass, and what a committed change makes of the key.

The after-write shapes (:func:`rotated`, :func:`revoked`) exist because an answer is built
from what was written, not read back: once a write has committed, a failed read must not
turn a new secret into a lost 503.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from chalicelib.domain.errors import InvalidInput, KeyExpired, KeyRevoked
from chalicelib.domain.records import Actor, ApiKey, KeyStatus, LeakMark, SecretHash

MAX_GRACE = timedelta(hours=24)


def check_grace(grace: timedelta) -> None:
    """A rotation's grace period is 0 (the old secret dies now) to 24 hours."""
    if not timedelta(0) <= grace <= MAX_GRACE:
        raise InvalidInput(
            "grace period out of range",
            errors=[{"field": "grace_period_seconds", "message": "must be 0 to 86400"}],
        )


def require_future(expires_at: datetime | None, now: datetime) -> None:
    """A new expiry is in the future (or absent: the key never expires)."""
    if expires_at is not None and expires_at <= now:
        raise InvalidInput(
            "expiry must be in the future",
            errors=[{"field": "expires_at", "message": "must be in the future"}],
        )


def require_editable(key: ApiKey) -> None:
    if key.status is KeyStatus.REVOKED:
        raise KeyRevoked("a revoked key cannot be edited")


def require_rotatable(key: ApiKey, now: datetime) -> None:
    if key.status is KeyStatus.REVOKED:
        raise KeyRevoked("a revoked key cannot be rotated")
    if key.is_expired(now):
        raise KeyExpired("an expired key cannot be rotated; create a new key")


def rotated(
    key: ApiKey,
    current: SecretHash,
    previous: SecretHash | None,
    expires_at: datetime | None,
    now: datetime,
) -> ApiKey:
    """``key`` after a rotation to ``current`` (``previous`` kept for its grace, if any)."""
    return replace(
        key,
        current_secret=current,
        previous_secret=previous,
        expires_at=expires_at or key.expires_at,
        rotated_at=now,
        updated_at=now,
    )


def revoked(key: ApiKey, actor: Actor, now: datetime, leak: LeakMark | None) -> ApiKey:
    """``key`` after its revocation by ``actor`` (and the leak it records, if any)."""
    return replace(
        key,
        status=KeyStatus.REVOKED,
        revoked_at=now,
        revoked_by=actor,
        updated_at=now,
        previous_secret=None,
        leak=leak.leak if leak else key.leak,
        leaked_secrets=key.leaked_secrets | {leak.fingerprint} if leak else key.leaked_secrets,
    )
