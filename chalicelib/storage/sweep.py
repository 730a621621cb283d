"""The expiry sweep's storage: the sparse, sharded due-index and the conditional writes.

A key carries ``sweep_due`` and ``sweep_shard`` only while it has a warning still to send,
so a Query for ``sweep_shard = s AND sweep_due <= now`` examines exactly the keys of shard
``s`` that crossed a threshold. Recording a warning is one conditional write on the values
the sweep read; the expired threshold also frees the key's slot of its tenant's limit, in
the same transaction.

Issue 13: the shard is a stable hash of the key id mod ``SweepDueIndex.shards``
(``LATCHKEY_SWEEP_SHARDS``), so the index's writes spread over that many partitions and a
run reads the shards in parallel (chalicelib/domain/sweep.py). Keys written before sharding
carry shard ``"0"``, which is one of the shards read: they need no migration.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from pynamodb.connection import Connection
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.domain.expiry import Plan
from chalicelib.domain.records import AuditEvent, KeyStatus
from chalicelib.domain.warnings import Candidate
from chalicelib.storage.audit import AuditWriter
from chalicelib.storage.convert import actor_from
from chalicelib.storage.counts import free_slot
from chalicelib.storage.errors import storage_errors
from chalicelib.storage.models import KeyModel, SweepDueIndex
from chalicelib.storage.transaction import Cancelled, Transaction

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


class SweepStore:
    """Reads due keys and records their warnings, each as a conditional write."""

    def __init__(
        self, connection: Connection, audit: AuditWriter | None = None, shards: int | None = None
    ) -> None:
        self._connection = connection
        self._audit = audit or AuditWriter()
        self._shards = shards

    def due(self, now: datetime) -> AllShards:
        """The keys due at ``now`` in every shard, read shard by shard."""
        return AllShards(self.due_by_shard(now))

    def due_by_shard(self, now: datetime) -> list[DueQuery]:
        """One lazy query per shard, each to be read (and its keys recorded) by one thread."""
        count = SweepDueIndex.shards if self._shards is None else self._shards
        return [DueQuery(now, str(shard)) for shard in range(count)]

    def record(self, candidate: Candidate, plan: Plan, event: AuditEvent | None = None) -> bool:
        """Record ``plan`` on the key unless another run (or a revoke) changed it since read.

        For the expired threshold, also clear ``counted`` and give the tenant its slot back.
        """
        actions = [
            KeyModel.notified_thresholds.add(set(plan.covers)),
            *due_actions(candidate.key_id, plan.next_due),
        ]
        condition = _as_read(candidate) & ~KeyModel.notified_thresholds.contains(plan.threshold)
        if plan.expired and candidate.counted:
            return self._record_expiry(candidate, actions, condition, event)
        return self._update(candidate.key_id, actions, condition, event)

    def release(self, candidate: Candidate, plan: Plan, event: AuditEvent | None = None) -> None:
        """Undo :meth:`record` after a failed send, so the next run sends it.

        A freed slot stays freed: the key has expired whatever happened to the warning.
        """
        after = (
            KeyModel.sweep_due.does_not_exist()
            if plan.next_due is None
            else KeyModel.sweep_due == plan.next_due
        )
        condition = (
            (KeyModel.status == KeyStatus.ACTIVE.value)
            & after
            & KeyModel.notified_thresholds.contains(plan.threshold)
        )
        actions = [
            KeyModel.notified_thresholds.delete(set(plan.covers)),
            *due_actions(candidate.key_id, candidate.due),
        ]
        self._update(candidate.key_id, actions, condition, event)

    def reschedule(self, candidate: Candidate, due: datetime | None) -> bool:
        """Move a key whose index entry no longer matches the thresholds."""
        actions = due_actions(candidate.key_id, due)
        return self._update(candidate.key_id, actions, _as_read(candidate))

    def _record_expiry(
        self,
        candidate: Candidate,
        actions: list[Action],
        condition: Condition,
        event: AuditEvent | None,
    ) -> bool:
        tx = Transaction(self._connection)
        tx.update(
            "key",
            KeyModel(candidate.key_id),
            [*actions, KeyModel.counted.set(False)],
            condition & (KeyModel.counted == True),  # noqa: E712
        )
        free_slot(tx, candidate.tenant_id)
        self._audit.add(tx, event)
        try:
            tx.commit()
        except Cancelled as cancelled:
            if "key" in cancelled.failed:
                return False
            raise
        return True

    def _update(
        self,
        key_id: str,
        actions: list[Action],
        condition: Condition,
        event: AuditEvent | None = None,
    ) -> bool:
        """One conditional update of the key, in a transaction with its audit event."""
        return self._audit.update(self._connection, KeyModel(key_id), actions, condition, event)


def _as_read(candidate: Candidate) -> Condition:
    """The key is still as the run read it: the state its plan was computed from.

    ``sweep_due`` alone does not prove it: a rotation to a new expiry resets the warnings and
    may put ``sweep_due`` back on the very instant read (E1 - 7 days = E2 - 30 days), so the
    expiry is part of the condition too. With both (and the same thresholds), the warnings
    recorded are the ones read.
    """
    condition: Condition = (
        (KeyModel.sweep_due == candidate.due)
        & (KeyModel.expires_at == candidate.expires_at)
        & (KeyModel.status == KeyStatus.ACTIVE.value)
    )
    return condition


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
