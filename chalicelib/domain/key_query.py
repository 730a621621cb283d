"""What a key list asks for: its filter, where a page ends, and the expiry states it cuts.

The filter is the domain's question; storage answers it (chalicelib/storage/key_list.py)
with a Query on an index. :func:`expiry_state` is the one definition of the three expiry
states, so what a key answer says and what the list filter selects cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain.records import ApiKey, ExpiryState, KeyStatus

# Where a page of the key list ends: (created_sort, key_id) of its last key. Not an audit
# page's end (chalicelib/domain/audit_log.py, AuditPosition): a cursor is bound to its listing.
KeyListPosition = tuple[str, str]


@dataclass(frozen=True)
class KeyFilter:
    """What ``GET /v1/keys`` asks for, with the instants its expiry states are cut at."""

    status: KeyStatus | None
    expiry: ExpiryState | None
    now: datetime
    soon: datetime
    # Leaked keys: True lists keys reported leaked, False the others, None both.
    leaked: bool | None = None

    def matches(self, key: ApiKey) -> bool:
        """Whether ``key`` belongs in the list (what an in-memory store filters by)."""
        if self.status is not None and key.status is not self.status:
            return False
        window = self.soon - self.now
        if self.expiry is not None and expiry_state(key, self.now, window) is not self.expiry:
            return False
        return self.leaked is None or (key.leak is not None) is self.leaked


def expiry_state(key: ApiKey, now: datetime, window: timedelta) -> ExpiryState:
    """Where ``key`` stands against its expiry; a key without expiry is always valid."""
    if key.expires_at is None or key.expires_at > now + window:
        return ExpiryState.VALID
    if key.expires_at > now:
        return ExpiryState.EXPIRING_SOON
    return ExpiryState.EXPIRED
