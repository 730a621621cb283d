"""Usage counted in memory and written behind, never a write per request.

Each container keeps, per key, the decisions allowed and denied since its last write and
the time of the last allowed one. It writes a key's counts at most once every
``interval`` seconds (LATCHKEY_USAGE_FLUSH_SECONDS, default 60), when a later decision
finds them due. So the figures lag by up to ``interval`` seconds, and counts a container
held when Lambda recycled it are lost: usage is a close lower bound, not a ledger.
Standard library only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from chalicelib.domain.records import ApiKey


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
        """Add counts (and access tokens ``issued``) to one key's day; move its last use."""
        ...


@dataclass
class _Pending:
    tenant_id: str
    day: str
    allowed: int = 0
    denied: int = 0
    last_used: datetime | None = None
    issued: int = 0  # access tokens (issue 15)


class UsageRecorder:
    """Buffers per-key counts; ``flush_due`` writes those whose interval has passed."""

    def __init__(self, sink: UsageSink, clock: Callable[[], datetime], interval: timedelta) -> None:
        self._sink = sink
        self._clock = clock
        self._interval = interval
        self._pending: dict[tuple[str, str], _Pending] = {}  # (key id, day) -> counts
        self._flushed: dict[str, datetime] = {}

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
        slot = (key.key_id, self._clock().date().isoformat())
        pending = self._pending.get(slot)
        if pending is None:
            pending = self._pending[slot] = _Pending(key.tenant_id, slot[1])
        return pending

    def flush_due(self, key_id: str) -> None:
        """Write this key's counts if it was not written for ``interval``.

        A key's first decision in a container is due at once, so a key that is used only
        now and then still shows its last use promptly. Counts of a day that just ended
        are written with the next due flush, each day to its own item.
        """
        last = self._flushed.get(key_id)
        if last is not None and self._clock() - last < self._interval:
            return
        for slot in [slot for slot in self._pending if slot[0] == key_id]:
            self._write(slot)

    def flush_all(self) -> None:
        for slot in list(self._pending):
            self._write(slot)

    def _write(self, slot: tuple[str, str]) -> None:
        pending = self._pending.pop(slot)
        self._flushed[slot[0]] = self._clock()
        self._sink.add_usage(
            pending.tenant_id,
            slot[0],
            pending.day,
            pending.allowed,
            pending.denied,
            pending.last_used,
            pending.issued,
        )
