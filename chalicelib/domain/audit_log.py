"""Reading the audit trail: which events a listing asks for, and where its page ended.

Events are written in the transaction of the change they record (chalicelib/domain/audit.py
builds them, chalicelib/storage/audit.py writes them); this module reads them back, newest
first, through the :class:`AuditTrail` port that storage implements.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.domain.records import AuditEvent

# Where a page of the audit trail ends: (event_key, target_key) of its last event. Not a
# key list's end (KeyListPosition): a cursor is bound to its own listing.
AuditPosition = tuple[str, str]


@dataclass(frozen=True)
class AuditQuery:
    """``GET /v1/audit-events``: all optional but the tenant."""

    tenant_id: str
    target_id: str | None = None
    action: str | None = None
    first: datetime | None = None
    last: datetime | None = None


class AuditTrail(Protocol):
    """Where events are read from (storage implements it)."""

    def list(
        self, query: AuditQuery, limit: int, after: AuditPosition | None
    ) -> tuple[list[AuditEvent], AuditPosition | None]: ...


class AuditLog:
    """A tenant's audit events, newest first, a page at a time."""

    def __init__(self, trail: AuditTrail) -> None:
        self._trail = trail

    def list(
        self, query: AuditQuery, limit: int, after: AuditPosition | None = None
    ) -> tuple[list[AuditEvent], AuditPosition | None]:
        """At most ``limit`` events after ``after``, and the position to go on from (None:
        the last page)."""
        return self._trail.list(query, limit, after)
