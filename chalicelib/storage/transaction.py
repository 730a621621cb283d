"""Write transactions whose items carry names, so a failure says which condition failed.

PynamoDB sends a transaction's items grouped (condition checks, deletes, puts, updates),
so the index DynamoDB reports for a failed condition is not the order the items were
added in. Here each item is named when it is added and the failure comes back as names:
``"group" in cancelled.failed``, never ``2 in failed``.
"""

from __future__ import annotations

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


class Transaction:
    """Named items written all or none by :meth:`commit`."""

    def __init__(self, connection: Connection) -> None:
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
        only another transaction was in the way, StorageUnavailable for anything else.
        """
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
                    raise Conflict("a concurrent change won; retry") from error
                raise
