"""The expiry sweep's storage: the conditional writes that record, release and move warnings.

Recording a warning is a conditional write on the values the sweep read; the expired
threshold also frees the key's slot of its tenant's limit, in the same transaction. A
batch of keys is recorded in one transaction, each key still on its own
condition. The index itself (shards, queries, projection) is chalicelib/storage/sweep_index.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from pynamodb.connection import Connection
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.domain.expiry import Plan
from chalicelib.domain.records import AuditEvent, KeyStatus
from chalicelib.domain.warnings import Candidate
from chalicelib.storage.audit import AuditWriter
from chalicelib.storage.key_model import KeyModel, SweepDueIndex
from chalicelib.storage.models import TenantModel
from chalicelib.storage.sweep_index import (
    PAGE_SIZE,
    AllShards,
    DueQuery,
    due_actions,
    leave_index,
    schedule,
)
from chalicelib.storage.transaction import Backoff, Cancelled, Transaction

# Where the index helpers were before the split (storage/keys.py imports schedule here).
__all__ = ["PAGE_SIZE", "DueQuery", "SweepStore", "leave_index", "schedule"]

# A transaction takes at most 100 items; each key brings up to three (itself, its audit
# event, its tenant's counter).
BATCH_LIMIT = 25
# Conflicts here are other workers or runs freeing slots of the same tenant: retried, but
# within a budget well under the 10 s a run keeps in hand before its Lambda's end.
SWEEP_RETRY = Backoff(attempts=8, budget=3.0)
Entry = tuple[Candidate, Plan, AuditEvent | None]


class SweepStore:
    """Reads due keys and records their warnings, each key on its own condition."""

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
        # PynamoDB keeps one botocore client per connection for every thread, made on
        # first use: made here, before the run's threads start, rather than by each of
        # them at once (a session, a parse of the service model and a client each).
        for connection in (self._connection, KeyModel._get_connection().connection):
            connection.client  # noqa: B018 - the property makes and caches the client
        return [DueQuery(now, str(shard)) for shard in range(count)]

    def record_all(self, entries: Sequence[Entry]) -> list[bool]:
        """Record each plan on its key unless another run (or a revoke) changed it since read.

        Per entry, True when recorded. For the expired threshold, also clear ``counted`` and
        give the tenant its slot back. A batch is one transaction (one request per
        ten warnings, not ten): each key keeps its own condition, so a key that changed is
        refused alone, and the others are sent again without it; the slots freed in one
        tenant are one ``ADD`` (an item appears at most once in a transaction).
        """
        recorded = [False] * len(entries)
        for start in range(0, len(entries), BATCH_LIMIT):
            chunk = range(start, min(start + BATCH_LIMIT, len(entries)))
            for index in self._record_chunk(entries, list(chunk)):
                recorded[index] = True
        return recorded

    def _record_chunk(self, entries: Sequence[Entry], pending: list[int]) -> list[int]:
        """Record ``entries[i]`` for each ``i`` in ``pending``; returns the ``i`` recorded."""
        while pending:
            tx = Transaction(self._connection, SWEEP_RETRY)
            freed: Counter[str] = Counter()
            for index in pending:
                candidate, plan, event = entries[index]
                actions, condition = _record(candidate, plan)
                if plan.expired and candidate.counted:
                    actions.append(KeyModel.counted.set(False))
                    condition &= KeyModel.counted == True  # noqa: E712
                    freed[candidate.tenant_id] += 1
                tx.update(str(index), KeyModel(candidate.key_id), actions, condition)
                self._audit.add(tx, event)
            for tenant_id, count in freed.items():
                # As counts.free_slot, by ``count``: a tenant that exists.
                tenant = TenantModel(tenant_id)
                condition = TenantModel.tenant_id.exists()
                tx.update(
                    f"tenant {tenant_id}", tenant, [TenantModel.keys_used.add(-count)], condition
                )
            try:
                tx.commit()
            except Cancelled as cancelled:
                refused = [index for index in pending if str(index) in cancelled.failed]
                if not refused:
                    raise
                pending = [index for index in pending if index not in refused]
                continue
            return pending
        return []

    def release(self, candidate: Candidate, plan: Plan, event: AuditEvent | None = None) -> None:
        """Undo :meth:`record_all` after a failed send, so the next run sends it.

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

    def _update(
        self,
        key_id: str,
        actions: list[Action],
        condition: Condition,
        event: AuditEvent | None = None,
    ) -> bool:
        """One conditional update of the key, in a transaction with its audit event."""
        return self._audit.update(self._connection, KeyModel(key_id), actions, condition, event)


def _record(candidate: Candidate, plan: Plan) -> tuple[list[Action], Condition]:
    """The actions recording ``plan`` on the key, and the condition that it is as read."""
    actions = [
        KeyModel.notified_thresholds.add(set(plan.covers)),
        *due_actions(candidate.key_id, plan.next_due),
    ]
    condition = _as_read(candidate) & ~KeyModel.notified_thresholds.contains(plan.threshold)
    return actions, condition


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
