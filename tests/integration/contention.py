"""DynamoDB's transaction conflicts, emulated in front of DynamoDB Local.

DynamoDB cancels a TransactWriteItems with ``TransactionConflict`` when another
transaction is in flight on one of its items. DynamoDB Local never does: it runs
transactions one at a time (800 concurrent transactions on one item, no conflict), so a
race test there cannot see the 409s real contention causes. :class:`Contention` answers
as DynamoDB would: while one TransactWriteItems is in flight, another that names one of
its items is cancelled with ``TransactionConflict`` before it reaches DynamoDB Local (so,
as in DynamoDB, it writes nothing). A transaction counts as in flight for DynamoDB's own
time (``IN_FLIGHT``), not for DynamoDB Local's round trip: on a loaded test machine that
takes ten times longer and would make conflicts ten times likelier than in production,
so the test would prove a retry budget against a contention DynamoDB never shows.
Installed like tests/functional/faults.py, through botocore's built-in handlers: nothing
is patched.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore import handlers
from botocore.awsrequest import AWSResponse

OPERATION = "TransactWriteItems"
# How long DynamoDB holds a transaction's items: its documented single-digit to tens of ms.
IN_FLIGHT = 0.03


def _items(body: dict[str, Any]) -> set[str]:
    """Each item the transaction names: its table and key (a Put's item is a new one)."""
    names = set()
    for entry in body.get("TransactItems", []):
        for action in entry.values():
            key = action.get("Key") or action.get("Item")
            names.add(action["TableName"] + json.dumps(key, sort_keys=True))
    return names


class Contention:
    """Cancels transactions that overlap one in flight; counts what it cancelled."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # thread id -> (when it was sent, the items of its transaction)
        self._in_flight: dict[int, tuple[float, set[str]]] = {}
        self.conflicts = 0
        self.sent = 0

    def before_call(
        self, model: Any, params: dict[str, Any], **_: Any
    ) -> tuple[AWSResponse, dict[str, Any]] | None:
        if model.name != OPERATION:
            return None
        body = json.loads(params["body"])
        items = _items(body)
        now = time.monotonic()
        with self._lock:
            held = [taken for sent, taken in self._in_flight.values() if now - sent < IN_FLIGHT]
            if any(items & taken for taken in held):
                self.conflicts += 1
                return _cancelled(len(body["TransactItems"]))
            self._in_flight[threading.get_ident()] = (now, items)
            self.sent += 1
        return None

    def after_call(self, model: Any, **_: Any) -> None:
        if model.name == OPERATION:
            with self._lock:
                self._in_flight.pop(threading.get_ident(), None)


def _cancelled(count: int) -> tuple[AWSResponse, dict[str, Any]]:
    reasons = [{"Code": "TransactionConflict"}] + [{"Code": "None"}] * (count - 1)
    error = {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"}
    parsed = {
        "Error": error,
        "CancellationReasons": reasons,
        "ResponseMetadata": {"HTTPStatusCode": 400},
    }
    return AWSResponse("https://contention.invalid", 400, {}, None), parsed


@contextmanager
def contention() -> Iterator[Contention]:
    """Emulate conflicts for every client created from now on (PynamoDB makes its own)."""
    plan = Contention()
    specs = [
        ("before-call.dynamodb", plan.before_call),
        ("after-call.dynamodb", plan.after_call),
        ("after-call-error.dynamodb", plan.after_call),
    ]
    handlers.BUILTIN_HANDLERS.extend(specs)
    try:
        yield plan
    finally:
        for spec in specs:
            handlers.BUILTIN_HANDLERS.remove(spec)
