"""The expiry sweep's ports: what it reads due keys from and records them in, and sends to.

chalicelib/storage/sweep.py and chalicelib/notify/senders.py implement them; tests pass their own.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Protocol

from chalicelib.domain.expiry import Plan
from chalicelib.domain.records import AuditEvent
from chalicelib.domain.warnings import Candidate, Digest, Notice


class DueKeys(Protocol):
    """The index's answer: candidates, and how many items reading them examined."""

    def __iter__(self) -> Iterator[Candidate]: ...

    @property
    def examined(self) -> int: ...


class SweepStore(Protocol):
    def due_by_shard(self, now: datetime) -> Sequence[DueKeys]:
        """The keys due at ``now``, one lazily read part per shard (read by one thread)."""
        ...

    def record_all(
        self, entries: Sequence[tuple[Candidate, Plan, AuditEvent | None]]
    ) -> list[bool]:
        """Record each plan unless its key changed since read; per entry, whether it was."""
        ...

    def release(
        self, candidate: Candidate, plan: Plan, event: AuditEvent | None = None
    ) -> None: ...

    def reschedule(self, candidate: Candidate, due: datetime | None) -> bool: ...


class Notifier(Protocol):
    def send(self, notices: Sequence[Notice]) -> list[Notice]:
        """Send one event per notice; return the notices that were not accepted."""
        ...

    def digest(self, digest: Digest) -> None: ...
