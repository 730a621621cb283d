"""The real clock, and how Latchkey writes an instant on the wire.

Every service takes a clock; :func:`utc_now` is the one production passes in. :func:`iso_z`
is the one format of an instant in answers, events, messages and the authorizer's context
(storage keys keep their own sortable format). Standard library only: the authorizer uses it.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def iso_z(moment: datetime) -> str:
    """ISO 8601 in UTC with ``Z`` (``2026-11-24T12:00:00Z``), as the API writes times."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
