"""Usage as the API reports it: a key's or a tenant's decisions per UTC day, with totals.

The counts are the ones the authorizer writes behind (chalicelib/domain/usage.py); this
module only reads them, through the :class:`UsageHistory` port that storage implements
(chalicelib/storage/usage.py). A key's usage is shown only to its own tenant.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.records import ApiKey

DEFAULT_DAYS = 30  # a range with no "from": this many days, up to its "to"
MAX_DAYS = 366  # inclusive: a leap year fits


@dataclass(frozen=True)
class DayUsage:
    """Decisions allowed and denied on one UTC day."""

    day: str
    allowed: int
    denied: int
    tokens_issued: int = 0


@dataclass(frozen=True)
class UsageReport:
    """Days (``first`` to ``last``, inclusive, ISO dates) and their sums."""

    key_id: str | None  # None: the whole tenant
    first: str
    last: str
    days: list[DayUsage]

    @property
    def allowed(self) -> int:
        return sum(day.allowed for day in self.days)

    @property
    def denied(self) -> int:
        return sum(day.denied for day in self.days)

    @property
    def tokens_issued(self) -> int:
        return sum(day.tokens_issued for day in self.days)


@dataclass(frozen=True)
class DayRange:
    """UTC days, ``first`` to ``last`` inclusive."""

    first: date
    last: date

    @classmethod
    def asked(cls, first: date | None, last: date | None, today: date) -> DayRange:
        """The range a request names; "to" defaults to today, "from" to the 30 days ending at "to".

        Raises InvalidInput when "from" is after "to" (defaults included: "from" alone may
        lie after today) or the range spans more than 366 days.
        """
        end = last or today
        # Never before date.min: "to" may be 0001-01-01.
        start = first or date.fromordinal(max(1, end.toordinal() - (DEFAULT_DAYS - 1)))
        if start > end:
            raise _bad_range("from must not be after to")
        if (end - start).days + 1 > MAX_DAYS:
            raise _bad_range(f"the range may span at most {MAX_DAYS} days")
        return cls(start, end)


def _bad_range(message: str) -> InvalidInput:
    return InvalidInput(
        "the request has invalid fields", errors=[{"field": "query", "message": message}]
    )


class UsageHistory(Protocol):
    """Where daily counts are read from (storage implements it)."""

    def for_key(self, key_id: str, first: str, last: str) -> list[DayUsage]: ...

    def for_tenant(self, tenant_id: str, first: str, last: str) -> list[DayUsage]: ...


class KeyLookup(Protocol):
    """Finds a tenant's key, or raises NotFound (the key service implements it)."""

    def get(self, tenant_id: str, key_id: str) -> ApiKey: ...


class UsageReports:
    """``GET /v1/keys/{id}/usage`` and ``GET /v1/usage``."""

    def __init__(
        self, history: UsageHistory, keys: KeyLookup, clock: Callable[[], datetime]
    ) -> None:
        self._history = history
        self._keys = keys
        self._clock = clock

    def for_key(
        self, tenant_id: str, key_id: str, first: date | None, last: date | None
    ) -> UsageReport:
        """One key's days; another tenant's key is NotFound, like one that never existed."""
        days = self._days(first, last)
        key = self._keys.get(tenant_id, key_id)
        first_day, last_day = days.first.isoformat(), days.last.isoformat()
        counts = self._history.for_key(key.key_id, first_day, last_day)
        return UsageReport(key.key_id, first_day, last_day, counts)

    def for_tenant(self, tenant_id: str, first: date | None, last: date | None) -> UsageReport:
        """Every key of the tenant together, per day."""
        days = self._days(first, last)
        first_day, last_day = days.first.isoformat(), days.last.isoformat()
        counts = self._history.for_tenant(tenant_id, first_day, last_day)
        return UsageReport(None, first_day, last_day, counts)

    def _days(self, first: date | None, last: date | None) -> DayRange:
        return DayRange.asked(first, last, self._clock().date())
