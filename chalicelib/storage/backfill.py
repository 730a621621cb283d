"""The keys table's backfill: every item gets the derived index attributes a new one has.

An index finds only the items that carry its keys, so a key written before an index existed
(``list_facet``, ``expiry_sort``) is invisible to it until it is backfilled. This
Scans the table (one segment of it, from a start key) and writes, to each item that lacks
them or holds them wrongly, the values chalicelib/storage/key_index.py derives: the same
function every write uses. Each write is conditional on the inputs as read, so it never
undoes a concurrent change (that change set the attributes itself); a second run writes
nothing (idempotent), and a run stopped anywhere resumes from the last key it printed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pynamodb.attributes import Attribute
from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition

from chalicelib.storage.errors import storage_errors
from chalicelib.storage.key_index import differing, set_actions
from chalicelib.storage.key_model import KeyModel
from chalicelib.storage.readable import UNREADABLE, read_all

PAGE_SIZE = 100


@dataclass
class Progress:
    """What a run has done so far, and the key to resume after (None: the segment is done)."""

    examined: int = 0
    written: int = 0
    changed_meanwhile: int = 0
    unreadable: int = 0
    last_key: str | None = None


def backfill_keys(
    start: str | None = None,
    segment: int | None = None,
    segments: int | None = None,
    dry_run: bool = False,
    on_page: Callable[[Progress], None] | None = None,
    page_size: int = PAGE_SIZE,
) -> Progress:
    """Scan (a segment of) the keys table from after ``start`` and backfill what differs.

    ``on_page`` sees the progress after each page: its ``last_key`` is where to resume.
    With ``dry_run``, counts what it would write and writes nothing.
    """
    progress = Progress(last_key=start)
    while True:
        begin = None if progress.last_key is None else {"key_id": {"S": progress.last_key}}
        with storage_errors():
            items = KeyModel.scan(
                segment=segment,
                total_segments=segments,
                last_evaluated_key=begin,
                limit=page_size,
                page_size=page_size,
            )
            # An item PynamoDB cannot even deserialize is logged and skipped (readable.py).
            for item in read_all(_as_is, items, "key", "the keys table"):
                _backfill_one(item, progress, dry_run)
            following: dict[str, Any] | None = items.last_evaluated_key
        progress.last_key = None if following is None else following["key_id"]["S"]
        if on_page is not None:
            on_page(progress)
        if progress.last_key is None:
            return progress


def _as_is(item: KeyModel) -> KeyModel:
    return item


def _backfill_one(item: KeyModel, progress: Progress, dry_run: bool) -> None:
    progress.examined += 1
    try:
        values = differing(item)
    except UNREADABLE:
        # Missing an input (an item a hand edit broke): left alone, counted, never guessed.
        progress.unreadable += 1
        return
    if not values:
        return
    if dry_run:
        progress.written += 1
        return
    try:
        KeyModel(item.key_id).update(set_actions(values), condition=_as_read(item))
    except UpdateError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
        progress.changed_meanwhile += 1
        return
    progress.written += 1


def _as_read(item: KeyModel) -> Condition:
    """Every input of the derived attributes still holds the value read."""
    condition: Condition = KeyModel.key_id.exists() & (KeyModel.status == item.status)
    for attribute, value in (
        (KeyModel.expires_at, item.expires_at),
        (KeyModel.leaked_at, item.leaked_at),
        (KeyModel.sweep_due, item.sweep_due),
    ):
        condition &= _same(attribute, value)
    return condition


def _same(attribute: Attribute[Any], value: object) -> Condition:
    if value is None:
        return attribute.does_not_exist()
    same: Condition = attribute == value
    return same
