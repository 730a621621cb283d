"""Benchmark tooling: what DynamoDB says each operation consumed, not what we assume.

``Meter`` hooks a botocore session (the one Latchkey's stores share, or a boto3 client's) so
every DynamoDB request asks for ``ReturnConsumedCapacity=TOTAL`` and every answer adds its
consumed read and write units, its request count and the items it read (``ScannedCount``
for a Query or Scan, the items returned for a GetItem or BatchGetItem) to a running total.
A benchmark reads the total around the operation it measures::

    meter = Meter.on(session)
    with meter.measure() as used:
        service.list(...)
    print(used.requests, used.items_read, used.read_units)

DynamoDB Local reports the same units as the service for reads and writes of the same
item sizes, which is what the load model in docs/scale.md is built from. Tooling only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

# Operations that accept ReturnConsumedCapacity (the others are left as they are).
_METERED = {
    "GetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "Scan",
    "BatchGetItem",
    "BatchWriteItem",
    "TransactGetItems",
    "TransactWriteItems",
}


@dataclass
class Usage:
    """What a stretch of work cost: requests, items read and capacity units."""

    requests: int = 0
    items_read: int = 0
    read_units: float = 0.0
    write_units: float = 0.0
    by_operation: dict[str, int] = field(default_factory=dict)

    def add(self, operation: str, answer: dict[str, Any]) -> None:
        self.requests += 1
        self.by_operation[operation] = self.by_operation.get(operation, 0) + 1
        self.items_read += _items_read(operation, answer)
        for consumed in _consumed(answer):
            self.read_units += float(consumed.get("ReadCapacityUnits", 0.0))
            self.write_units += float(consumed.get("WriteCapacityUnits", 0.0))
            if "ReadCapacityUnits" not in consumed and "WriteCapacityUnits" not in consumed:
                # DynamoDB answers only CapacityUnits on some operations: reads count as
                # reads, anything that writes as writes.
                units = float(consumed.get("CapacityUnits", 0.0))
                if operation in {"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"}:
                    self.read_units += units
                else:
                    self.write_units += units


class Meter:
    """Counts every DynamoDB request made through the sessions or clients it is attached to."""

    def __init__(self) -> None:
        self._open: list[tuple[Usage, str | None]] = []

    @classmethod
    def on(cls, *emitters: Any) -> Meter:
        """A meter attached to botocore sessions or clients (anything with ``register``).

        For a session, attach before its clients are made: botocore copies a session's
        handlers into each client when it creates it.
        """
        meter = cls()
        for emitter in emitters:
            meter.attach(emitter)
        return meter

    def attach(self, emitter: Any) -> None:
        events = getattr(emitter, "meta", None)
        register = events.events.register if events is not None else emitter.register
        register("provide-client-params.dynamodb.*", self._ask)
        register("after-call.dynamodb.*", self._count)

    @contextmanager
    def measure(self, table: str | None = None) -> Iterator[Usage]:
        """What the requests made inside the block cost; only those naming ``table`` if given.

        Models share one client (chalicelib/storage/sessions.py), so a meter on it sees
        every table's requests: ``table`` keeps one table's.
        """
        usage = Usage()
        self._open.append((usage, table))
        try:
            yield usage
        finally:
            self._open.remove((usage, table))

    def _ask(self, params: dict[str, Any], model: Any, context: Any = None, **_: Any) -> None:
        if model.name in _METERED and "ReturnConsumedCapacity" not in params:
            params["ReturnConsumedCapacity"] = "TOTAL"
        if isinstance(context, dict):
            context["metered_tables"] = _tables(params)

    def _count(self, parsed: dict[str, Any], model: Any, context: Any = None, **_: Any) -> None:
        tables = context.get("metered_tables", set()) if isinstance(context, dict) else set()
        for usage, table in self._open:
            if table is None or table in tables:
                usage.add(model.name, parsed)


def _tables(params: dict[str, Any]) -> set[str]:
    """The tables a request names: its TableName, a batch's tables, a transaction's items'."""
    tables = {params["TableName"]} if "TableName" in params else set()
    tables.update(params.get("RequestItems", {}))
    for entry in params.get("TransactItems", []):
        tables.update(action["TableName"] for action in entry.values() if "TableName" in action)
    return tables


def _consumed(answer: dict[str, Any]) -> list[dict[str, Any]]:
    consumed = answer.get("ConsumedCapacity")
    if consumed is None:
        return []
    return consumed if isinstance(consumed, list) else [consumed]


def _items_read(operation: str, answer: dict[str, Any]) -> int:
    if operation in {"Query", "Scan"}:
        return int(answer.get("ScannedCount", 0))
    if operation == "GetItem":
        return 1 if "Item" in answer else 0
    if operation == "BatchGetItem":
        return sum(len(items) for items in answer.get("Responses", {}).values())
    if operation == "TransactGetItems":
        return sum(1 for response in answer.get("Responses", []) if "Item" in response)
    return 0
