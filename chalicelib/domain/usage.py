"""Usage counted in memory and written behind, never a write per request.

Each container keeps, per key, the decisions allowed and denied since its last write and
the time of the last allowed one. It writes a key's counts at most once every
``interval`` seconds (LATCHKEY_USAGE_FLUSH_SECONDS, default 60), when a later decision
finds them due. So the figures lag by up to ``interval`` seconds, and counts a container
held when Lambda recycled it are lost: usage is a close lower bound, not a ledger.

Every decision costs O(1) here, and memory stays bounded: pending counts are
indexed by key and freed once written; a key's "last written" mark is freed once it is
older than ``interval`` (it no longer holds anything back); and each decision also writes
at most one *other* key whose counts waited past ``interval`` (a key that went quiet), so
nothing is held for longer than about one interval while decisions keep arriving.
Standard library only.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from chalicelib.domain.records import ApiKey

# Per decision: how many expired "last written" marks may be freed, and how many other
# keys' overdue counts written. Each decision adds at most one mark, so freeing up to two
# drains any backlog; one extra write keeps a decision's flush cheap.
PRUNE_PER_DECISION = 2
STALE_WRITES_PER_DECISION = 1


class UsageSink(Protocol):
    def add_usage(
        self,
        tenant_id: str,
        key_id: str,
        day: str,
        allowed: int,
        denied: int,
        last_used: datetime | None,
        issued: int = 0,
    ) -> None:
        """Add counts (and access tokens ``issued``) to one key's day and to its tenant's
        day total; move the key's last use."""
        ...


@dataclass
class _Pending:
    tenant_id: str
    day: str
    allowed: int = 0
    denied: int = 0
    last_used: datetime | None = None
    issued: int = 0  # access tokens


class UsageRecorder:
    """Buffers per-key counts; ``flush_due`` writes those whose interval has passed."""

    def __init__(self, sink: UsageSink, clock: Callable[[], datetime], interval: timedelta) -> None:
        self._sink = sink
        self._clock = clock
        self._interval = interval
        # key id -> day -> counts not yet written; a key's entry goes once it is written.
        self._pending: dict[str, dict[str, _Pending]] = {}
        # key id -> when its counts were last written, oldest first (entries are moved to
        # the end when written again), so expired marks are found at the front.
        self._flushed: OrderedDict[str, datetime] = OrderedDict()

    @property
    def held(self) -> tuple[int, int]:
        """(pending day slots, "last written" marks) this container holds: its memory."""
        return sum(len(days) for days in self._pending.values()), len(self._flushed)

    def record(self, key: ApiKey, allowed: bool) -> None:
        """Count one decision; never writes (that is :meth:`flush_due`'s job)."""
        pending = self._slot(key)
        if allowed:
            pending.allowed += 1
            pending.last_used = self._clock()
        else:
            pending.denied += 1

    def record_issued(self, key: ApiKey) -> None:
        """Count one access token issued for ``key`` (its decision is counted by ``record``)."""
        self._slot(key).issued += 1

    def _slot(self, key: ApiKey) -> _Pending:
        day = self._clock().date().isoformat()
        days = self._pending.setdefault(key.key_id, {})
        pending = days.get(day)
        if pending is None:
            pending = days[day] = _Pending(key.tenant_id, day)
        return pending

    def flush_due(self, key_id: str) -> None:
        """Write this key's counts if it was not written for ``interval``.

        A key's first decision in a container is due at once, so a key that is used only
        now and then still shows its last use promptly. Counts of a day that just ended
        are written with the next due flush, each day to its own item. Then frees what
        has expired, writing at most one other key that waited too long.
        """
        now = self._clock()
        last = self._flushed.get(key_id)
        # Only a key with counts gets a mark: an id nobody counted (a made-up client_id at
        # the token endpoint, say) must hold no memory until the marks expire.
        if key_id in self._pending and (last is None or now - last >= self._interval):
            self._write(key_id, now)
        self._prune(now)

    def _prune(self, now: datetime) -> None:
        writes = 0
        for _ in range(PRUNE_PER_DECISION):
            oldest = next(iter(self._flushed.items()), None)
            if oldest is None or now - oldest[1] < self._interval:
                return
            key_id = oldest[0]
            if key_id in self._pending:
                if writes == STALE_WRITES_PER_DECISION:
                    return
                writes += 1
                self._write(key_id, now)  # moves its mark to the end
            else:
                del self._flushed[key_id]

    def flush_all(self) -> None:
        now = self._clock()
        for key_id in list(self._pending):
            self._write(key_id, now)

    def _write(self, key_id: str, now: datetime) -> None:
        days = self._pending.pop(key_id, None)
        self._flushed[key_id] = now
        self._flushed.move_to_end(key_id)
        waiting = sorted((days or {}).items())
        while waiting:
            day, pending = waiting.pop(0)
            try:
                self._sink.add_usage(
                    pending.tenant_id,
                    key_id,
                    day,
                    pending.allowed,
                    pending.denied,
                    pending.last_used,
                    pending.issued,
                )
            except Exception:
                # The failed day's counts are lost (a retry could count them twice); the
                # days not yet tried wait for the key's next flush.
                if waiting:
                    self._pending.setdefault(key_id, {}).update(waiting)
                raise
