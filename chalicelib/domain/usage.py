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
    ) -> None:
        """Add counts to one key's day and move its last-used time forward."""
        ...


@dataclass
class _Pending:
    tenant_id: str
    day: str
    allowed: int = 0
    denied: int = 0
    last_used: datetime | None = None
    last_flush: datetime | None = None


class UsageRecorder:
    """Buffers per-key counts; ``flush_due`` writes those whose interval has passed."""

    def __init__(self, sink: UsageSink, clock: Callable[[], datetime], interval: timedelta) -> None:
        self._sink = sink
        self._clock = clock
        self._interval = interval
        self._pending: dict[str, _Pending] = {}
        self._flushed: dict[str, datetime] = {}

    def record(self, key: ApiKey, allowed: bool) -> None:
        now = self._clock()
        day = now.date().isoformat()
        pending = self._pending.get(key.key_id)
        if pending is not None and pending.day != day:
            self._write(key.key_id, pending)  # a day's counts never spill into the next
            pending = None
        if pending is None:
            pending = self._pending[key.key_id] = _Pending(key.tenant_id, day)
        if allowed:
            pending.allowed += 1
            pending.last_used = now
        else:
            pending.denied += 1

    def flush_due(self, key_id: str) -> None:
        """Write this key's counts if it was not written for ``interval``.

        A key's first decision in a container is due at once, so a key that is used only
        now and then still shows its last use promptly.
        """
        pending = self._pending.get(key_id)
        last = self._flushed.get(key_id)
        if pending is not None and (last is None or self._clock() - last >= self._interval):
            self._write(key_id, pending)

    def flush_all(self) -> None:
        for key_id, pending in list(self._pending.items()):
            self._write(key_id, pending)

    def _write(self, key_id: str, pending: _Pending) -> None:
        del self._pending[key_id]
        self._flushed[key_id] = self._clock()
        self._sink.add_usage(
            pending.tenant_id,
            key_id,
            pending.day,
            pending.allowed,
            pending.denied,
            pending.last_used,
        )
