"""Reads the usage the authorizer writes behind (chalicelib/storage/hotpath.py)."""

from __future__ import annotations

from collections import defaultdict

from chalicelib.domain.usage_reports import DayUsage, UsageHistory
from chalicelib.storage.errors import storage_errors
from chalicelib.storage.models import UsageModel


class UsageStore(UsageHistory):
    """Per-key and per-tenant daily counts."""

    def for_key(self, key_id: str, first: str, last: str) -> list[DayUsage]:
        with storage_errors():
            items = UsageModel.query(key_id, UsageModel.day.between(first, last))
            return [
                DayUsage(i.day, int(i.allowed or 0), int(i.denied or 0), int(i.tokens_issued or 0))
                for i in items
            ]

    def for_tenant(self, tenant_id: str, first: str, last: str) -> list[DayUsage]:
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        with storage_errors():
            for item in UsageModel.by_tenant.query(tenant_id, UsageModel.day.between(first, last)):
                totals[item.day][0] += int(item.allowed or 0)
                totals[item.day][1] += int(item.denied or 0)
                totals[item.day][2] += int(item.tokens_issued or 0)
        return [DayUsage(day, *counts) for day, counts in sorted(totals.items())]
