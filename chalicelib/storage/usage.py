"""Reads the usage the authorizer writes behind (chalicelib/storage/hotpath.py).

Two kinds of item share the usage table, both keyed (hash, ``day``):

- per key: ``key_id`` is the key's id; ``GET /v1/keys/{id}/usage`` queries it;
- per tenant, sharded: ``key_id`` is ``tenant#<tenant id>#<shard>`` (hotpath.total_key).
  Each flush ADDs its counts to its key's item and to one shard, chosen at random, of its
  tenant's day, so ``GET /v1/usage`` reads ``usage_total_shards`` Queries of at most one
  item per day each: O(days), whatever the tenant's number of keys.

:meth:`UsageStore.recompute_totals` is the migration (``latchkey migrate usage-totals``):
it rebuilds past days' totals from the per-key items, for history written before totals
existed, or to repair a day whose total write failed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from chalicelib.domain.usage_reports import DayUsage, UsageHistory
from chalicelib.storage.errors import storage_errors
from chalicelib.storage.hotpath import USAGE_RETENTION, total_key
from chalicelib.storage.models import UsageModel
from chalicelib.storage.sessions import connect_here

# The shards' Queries run at once, this many at a time: the connection pool of a model's
# botocore client holds 10 (PynamoDB's default), so more threads would wait for one.
_AT_ONCE = 10


@dataclass(frozen=True)
class Recomputed:
    """What a backfill run did: items scanned, and the tenant-days whose totals it set."""

    scanned: int
    tenant_days: int


def _counts(item: UsageModel) -> tuple[int, int, int]:
    return int(item.allowed or 0), int(item.denied or 0), int(item.tokens_issued or 0)


def _sum(items: Iterable[UsageModel]) -> list[DayUsage]:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for item in items:
        for index, count in enumerate(_counts(item)):
            totals[item.day][index] += count
    return [DayUsage(day, *counts) for day, counts in sorted(totals.items())]


class UsageStore(UsageHistory):
    """Per-key and per-tenant daily counts."""

    def __init__(self, shards: int) -> None:
        self._shards = shards  # LATCHKEY_USAGE_TOTAL_SHARDS: the writers' spread

    def for_key(self, key_id: str, first: str, last: str) -> list[DayUsage]:
        with storage_errors():
            items = UsageModel.query(key_id, UsageModel.day.between(first, last))
            return [DayUsage(i.day, *_counts(i)) for i in items]

    def for_tenant(self, tenant_id: str, first: str, last: str) -> list[DayUsage]:
        """One Query per shard over the day range: shards x days items at most.

        The Queries are independent: run at once, the answer takes about one Query's time
        per ``_AT_ONCE`` shards instead of one per shard (20 in a row: ~0.5 s on DynamoDB
        Local). A failed Query raises out of ``pool.map``, inside ``storage_errors``.
        """

        def shard_items(shard: int) -> list[UsageModel]:
            days = UsageModel.day.between(first, last)
            return list(UsageModel.query(total_key(tenant_id, shard), days))

        with storage_errors():
            connect_here(UsageModel._get_connection().connection)
            with ThreadPoolExecutor(min(self._shards, _AT_ONCE)) as pool:
                shards = pool.map(shard_items, range(self._shards))
                return _sum(item for items in shards for item in items)

    def recompute_totals(self, first: str, last: str, tenant_id: str | None = None) -> Recomputed:
        """Set each tenant-day's totals to the sum of its per-key items, for days in range.

        Idempotent: shard 0 is SET to the sum and every other shard to zero, so running it
        twice (or after an interrupted run) gives the same totals. One Scan of the table
        (per-key items have no tenant index: tenant-day-index is gone), filtered
        to the range; memory holds one entry per tenant-day in the range. Only for days
        that are over: a live day's flushes would race the SET.
        """
        condition = UsageModel.day.between(first, last) & UsageModel.tenant_id.exists()
        if tenant_id is not None:
            condition &= UsageModel.tenant_id == tenant_id
        sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
        scanned = 0
        with storage_errors():
            for item in UsageModel.scan(condition):
                scanned += 1
                counts = sums[(str(item.tenant_id), item.day)]
                for index, count in enumerate(_counts(item)):
                    counts[index] += count
            with UsageModel.batch_write() as batch:
                for (tenant, day), (allowed, denied, issued) in sorted(sums.items()):
                    for shard in range(self._shards):
                        first_shard = shard == 0
                        batch.save(
                            UsageModel(
                                total_key(tenant, shard),
                                day,
                                allowed=allowed if first_shard else 0,
                                denied=denied if first_shard else 0,
                                tokens_issued=issued if first_shard else 0,
                                expires=_expiry(day),
                            )
                        )
        return Recomputed(scanned, len(sums))


def _expiry(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC) + USAGE_RETENTION
