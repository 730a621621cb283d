"""The expiry sweep's sparse, sharded due-index: where a key goes in it, and how it is read.

A key carries ``sweep_due`` and ``sweep_shard`` only while it has a warning still to send,
so a Query for ``sweep_shard = s AND sweep_due <= now`` examines exactly the keys of shard
``s`` that crossed a threshold.

The shard is a stable hash of the key id mod ``SweepDueIndex.shards``
(``LATCHKEY_SWEEP_SHARDS``), so the index's writes spread over that many partitions and a
run reads the shards in parallel (chalicelib/domain/sweep.py). Keys written before sharding
carry shard ``"0"``, which is one of the shards read: they need no migration. The index
projects only what :func:`candidate_from` reads (models.SWEEP_READS).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from pynamodb.expressions.update import Action

from chalicelib.domain.warnings import Candidate
from chalicelib.storage.convert import actor_from
from chalicelib.storage.errors import storage_errors
from chalicelib.storage.key_model import KeyModel, SweepDueIndex

PAGE_SIZE = 100


def pool_for(workers: int) -> None:
    """Let ``workers`` threads query the index at once (call after ``bind_models``).

    PynamoDB shares one botocore client between threads, whose pool keeps 10 connections:
    more threads than that would open and drop a connection per request.
    """
    meta: Any = KeyModel.Meta  # PynamoDB reads the option from Meta; mypy knows no such field
    meta.max_pool_connections = max(workers, 10)
    KeyModel._connection = None  # made again with the new Meta on first use


def shard_of(key_id: str, shards: int | None = None) -> str:
    """The key's shard: the same for a key id on every run and process (not ``hash()``)."""
    count = SweepDueIndex.shards if shards is None else shards
    digest = hashlib.sha256(key_id.encode()).digest()
    return str(int.from_bytes(digest[:8], "big") % count)


def leave_index() -> list[Action]:
    """Take the key out of the index (nothing left to warn about)."""
    return [KeyModel.sweep_shard.remove(), KeyModel.sweep_due.remove()]


def due_actions(key_id: str, due: datetime | None) -> list[Action]:
    """Put the key in the index at ``due``, in its shard, or take it out (None)."""
    if due is None:
        return leave_index()
    return [KeyModel.sweep_shard.set(shard_of(key_id)), KeyModel.sweep_due.set(due)]


def schedule(item: KeyModel, due: datetime | None) -> KeyModel:
    """Set a new item's place in the index (before its first save)."""
    item.sweep_shard = shard_of(item.key_id) if due is not None else None
    item.sweep_due = due
    return item


class DueQuery:
    """One shard's keys due at ``now``, read lazily page by page, and the items examined."""

    def __init__(self, now: datetime, shard: str, page_size: int = PAGE_SIZE) -> None:
        self.shard = shard
        with storage_errors():
            self._result = KeyModel.by_sweep_due.query(
                shard, KeyModel.sweep_due <= now, page_size=page_size
            )

    def __iter__(self) -> Iterator[Candidate]:
        with storage_errors():
            for item in self._result:
                yield candidate_from(item)

    @property
    def examined(self) -> int:
        """Items DynamoDB read for this query so far (the sum of its pages' ScannedCount)."""
        return int(self._result.page_iter.total_scanned_count)


class AllShards:
    """Every shard's due keys, one shard after the other (the CLI's and tests' view)."""

    def __init__(self, parts: list[DueQuery]) -> None:
        self._parts = parts

    def __iter__(self) -> Iterator[Candidate]:
        for part in self._parts:
            yield from part

    @property
    def examined(self) -> int:
        return sum(part.examined for part in self._parts)


def candidate_from(item: KeyModel) -> Candidate:
    """A due key as the index projects it (models.SWEEP_READS): nothing else is read."""
    created_by = actor_from(item.created_by)
    assert created_by is not None  # required attribute
    # Both are set on every key in the index.
    assert item.expires_at is not None
    assert item.sweep_due is not None
    return Candidate(
        key_id=item.key_id,
        tenant_id=item.tenant_id,
        name=item.name,
        group_id=item.group_id,
        expires_at=item.expires_at,
        created_by=created_by,
        notified=frozenset(int(days) for days in item.notified_thresholds or ()),
        due=item.sweep_due,
        counted=bool(item.counted),
    )
