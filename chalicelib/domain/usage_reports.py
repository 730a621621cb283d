"""Usage as the API reports it: a key's or a tenant's decisions per UTC day, with totals.

The counts are the ones the authorizer writes behind (chalicelib/domain/usage.py); this
module only reads them, through the :class:`UsageHistory` port that storage implements
(chalicelib/storage/usage.py). A key's usage is shown only to its own tenant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from chalicelib.domain.records import ApiKey


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


class UsageHistory(Protocol):
    """Where daily counts are read from (storage implements it)."""

    def for_key(self, key_id: str, first: str, last: str) -> list[DayUsage]: ...

    def for_tenant(self, tenant_id: str, first: str, last: str) -> list[DayUsage]: ...


class KeyLookup(Protocol):
    """Finds a tenant's key, or raises NotFound (the key service implements it)."""

    def get(self, tenant_id: str, key_id: str) -> ApiKey: ...


class UsageReports:
    """``GET /v1/keys/{id}/usage`` and ``GET /v1/usage``."""

    def __init__(self, history: UsageHistory, keys: KeyLookup) -> None:
        self._history = history
        self._keys = keys

    def for_key(self, tenant_id: str, key_id: str, first: str, last: str) -> UsageReport:
        """One key's days; another tenant's key is NotFound, like one that never existed."""
        key = self._keys.get(tenant_id, key_id)
        return UsageReport(key.key_id, first, last, self._history.for_key(key.key_id, first, last))

    def for_tenant(self, tenant_id: str, first: str, last: str) -> UsageReport:
        """Every key of the tenant together, per day."""
        return UsageReport(None, first, last, self._history.for_tenant(tenant_id, first, last))
