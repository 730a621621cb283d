"""The answer a key list must give, computed the slow way: for list tests on moto and on
DynamoDB Local alike (chalicelib/storage/key_list.py is the fast way)."""

from __future__ import annotations

from datetime import timedelta

from chalicelib.domain import audit
from chalicelib.domain.key_query import KeyFilter, expiry_state
from chalicelib.domain.records import SYSTEM, ApiKey, Leak, LeakMark
from tests.support.clock import FakeClock


def brute_force(keys: list[ApiKey], wanted: KeyFilter, window: timedelta) -> list[str]:
    """Filter every key and order them as documented: newest first, or soonest expiry first
    (keys without expiry last) when the filter names an expiry state."""
    chosen = [
        key
        for key in keys
        if (wanted.status is None or key.status is wanted.status)
        and (wanted.leaked is None or (key.leak is not None) == wanted.leaked)
        and (wanted.expiry is None or expiry_state(key, wanted.now, window) is wanted.expiry)
    ]
    if wanted.expiry is None:
        chosen.sort(key=lambda key: (key.created_at, key.key_id), reverse=True)
    else:
        far = wanted.now + timedelta(days=365 * 100)
        chosen.sort(key=lambda key: (key.expires_at is None, key.expires_at or far, key.created_at))
    return [key.key_id for key in chosen]


def leak_mark(key: ApiKey, clock: FakeClock) -> LeakMark:
    """What revoking ``key`` as leaked writes, as a scanner's report would."""
    event = audit.event(key.tenant_id, "key.updated", ("key", key.key_id), SYSTEM, clock.now, {})
    return LeakMark(Leak(clock.now, "test"), f"fp-{key.key_id}", event)
