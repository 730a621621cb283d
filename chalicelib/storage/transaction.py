"""Write transactions whose items carry names, so a failure says which condition failed.

PynamoDB sends a transaction's items grouped (condition checks, deletes, puts, updates),
so the index DynamoDB reports for a failed condition is not the order the items were
added in. Here each item is named when it is added and the failure comes back as names:
``"group" in cancelled.failed``, never ``2 in failed``.

Contention: DynamoDB cancels a transaction with ``TransactionConflict`` when
another transaction holds one of its items, e.g. twenty creates in one tenant all adding
to its ``keys_used``. That is not an answer, only "not now": :meth:`Transaction.commit`
sends the same transaction again after a jittered, exponentially growing pause, within a
bounded budget (:class:`Backoff`), and answers Conflict (409) only once that is spent.

Why re-sending is correct: a cancelled transaction wrote nothing, and the retry sends the
very same items with the very same conditions, so it is exactly the request arriving a
little later, and DynamoDB judges it against the items as they are then. That holds for
a transaction that states every assumption it was built from as a condition of its own
items, which is the rule here (README, "Invariants"): create (the key does not exist, the
tenant is under its limit, the group exists, the claim is ours), revoke and edit (status,
``counted`` and group as read), rotate (the secret as read), the sweep's records (the
index entry and expiry as read), group create/delete (the tenant's count, the group's
``key_count``), tenant settings, the counter repair (each counter still holds the value
read) and the audit events (unique ids). A transaction built on an unconditioned read
would be wrong without any retry; the pause only widens the window it is already wrong
in, so such a transaction must pass ``retry=None`` (none does today).
A ``ConditionalCheckFailed`` is never retried: it is the answer (limit reached, group gone,
changed since read), and it comes back as :class:`Cancelled` at once.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.domain.errors import Conflict
from chalicelib.storage.errors import storage_errors


class Cancelled(Conflict):
    """Raised when a transaction's conditions failed; ``failed`` names those items.

    A Conflict, so a caller that does not explain it still answers 409, never a 500.
    """

    def __init__(self, failed: frozenset[str]) -> None:
        super().__init__("a concurrent change won; read and retry")
        self.failed = failed


@dataclass(frozen=True)
class Backoff:
    """How a transaction cancelled by a conflict is sent again: "full jitter" backoff.

    Pause ``n`` is uniform in [0, min(cap, first * 2**n)] seconds, so contenders spread out
    instead of colliding again in step; at most ``attempts`` sends, and no more pausing
    than ``budget`` seconds in all (an API request must answer within its 29 s). The
    defaults let twenty creates racing on one tenant all through even where each
    transaction takes ~100 ms (DynamoDB Local on a busy machine; DynamoDB takes ~10-30).
    """

    attempts: int = 16
    first: float = 0.025
    cap: float = 2.0
    budget: float = 10.0

    def pauses(self, rng: Callable[[float, float], float]) -> Iterator[float]:
        """The pauses before the second, third, ... send; ends when the budget is spent."""
        spent = 0.0
        for attempt in range(self.attempts - 1):
            pause = rng(0.0, min(self.cap, self.first * 2**attempt))
            if spent + pause > self.budget:
                return
            spent += pause
            yield pause


CONFLICTS = Backoff()
# Spreading retries needs no secret randomness.
_jitter = random.Random().uniform  # noqa: S311


class _NotNow(Exception):
    """Cancelled only because another transaction held an item: nothing was written."""


class Transaction:
    """Named items written all or none by :meth:`commit`."""

    def __init__(
        self,
        connection: Connection,
        retry: Backoff | None = CONFLICTS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._retry = retry
        self._sleep = sleep
        self._tx = TransactWrite(connection=connection)
        # In the order PynamoDB sends them (see TransactWrite._commit).
        self._checks: list[str] = []
        self._deletes: list[str] = []
        self._puts: list[str] = []
        self._updates: list[str] = []

    def check(
        self, name: str, model: type[Model], hash_key: Any, range_key: Any, condition: Condition
    ) -> None:
        """Write nothing to the item but require ``condition`` of it."""
        self._tx.condition_check(model, hash_key, range_key, condition=condition)
        self._checks.append(name)

    def delete(self, name: str, item: Model, condition: Condition | None = None) -> None:
        self._tx.delete(item, condition=condition)
        self._deletes.append(name)

    def save(self, name: str, item: Model, condition: Condition | None = None) -> None:
        self._tx.save(item, condition=condition)
        self._puts.append(name)

    def update(
        self, name: str, item: Model, actions: list[Action], condition: Condition | None = None
    ) -> None:
        self._tx.update(item, actions=actions, condition=condition)
        self._updates.append(name)

    def commit(self) -> None:
        """Write every item or none.

        Raises :class:`Cancelled` naming the items whose condition failed, Conflict when
        only other transactions were in the way for every attempt the retry budget
        allows, StorageUnavailable for anything else.
        """
        pauses = self._retry.pauses(_jitter) if self._retry is not None else iter(())
        while True:
            try:
                self._send()
                return
            except _NotNow as busy:
                pause = next(pauses, None)
                if pause is None:
                    raise Conflict("a concurrent change won; retry") from busy.__cause__
                self._sleep(pause)

    def _send(self) -> None:
        names = [*self._checks, *self._deletes, *self._puts, *self._updates]
        with storage_errors():
            try:
                with self._tx:
                    pass  # leaving the block commits
            except TransactWriteError as error:
                codes = [getattr(reason, "code", None) for reason in error.cancellation_reasons]
                failed = {
                    name
                    for name, code in zip(names, codes, strict=False)
                    if code == "ConditionalCheckFailed"
                }
                if failed:
                    raise Cancelled(frozenset(failed)) from None
                if "TransactionConflict" in codes:
                    raise _NotNow from error
                raise
