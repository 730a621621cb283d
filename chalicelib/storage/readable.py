"""Stored items the code cannot read: skipped and logged in a listing, a 503 alone.

An item can be unreadable because an older release (or a hand edit) wrote it: a groups
item holding only ``key_count``, an attribute of the wrong type. One such item must not
take the rest of its tenant down, so listings skip it and say so in the log (its key and
the error's type, never its values); a read of that one item answers StoredItemUnreadable.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from chalicelib.domain.errors import StoredItemUnreadable

Item = TypeVar("Item")
Record = TypeVar("Record")
log = logging.getLogger(__name__)
# What PynamoDB's deserialization (AttributeDeserializationError is a TypeError) and our
# converters raise on a missing or mistyped attribute.
UNREADABLE = (AttributeError, KeyError, TypeError, ValueError)


def read_one(read: Callable[[], Record], what: str, where: str) -> Record:
    """``read()`` (a get and its conversion), or StoredItemUnreadable if the item is unreadable.

    ``where`` names the item in the log: its key, never its values.
    """
    try:
        return read()
    except UNREADABLE as error:
        log.error("unreadable %s item %s: %s", what, where, type(error).__name__)
        raise StoredItemUnreadable(
            f"a stored {what} cannot be read; an operator can run `latchkey tenants check`"
        ) from None


def read_all(
    convert: Callable[[Item], Record], items: Iterable[Item], what: str, where: str
) -> Iterator[Record]:
    """Each item converted; an unreadable one is logged and skipped.

    PynamoDB deserializes an item inside ``next()`` after moving past it, so after a
    failed item the iteration goes on with the next one.
    """
    iterator = iter(items)
    while True:
        try:
            yield convert(next(iterator))
        except StopIteration:
            return
        except UNREADABLE as error:
            log.error("skipped an unreadable %s item in %s: %s", what, where, type(error).__name__)
