"""The derived index attributes of a key item: where a key sits in each index of its table.

Nothing here is read back as a fact about the key; these attributes exist only so an index
can find it. ``list_facet`` and ``expiry_sort`` place it in the key lists
(chalicelib/storage/key_list.py), ``sweep_shard`` in the expiry sweep's index. Every write
that changes an input (status, leak, expiry) sets them from :func:`list_attributes`, a new
item gets all of them from :func:`index_attributes`, and the backfill
(chalicelib/storage/backfill.py) compares each item with :func:`index_attributes` too: an
item written by any path or any release ends up in the same place.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from pynamodb.expressions.update import Action

from chalicelib.domain.records import KeyStatus
from chalicelib.storage.key_model import KeyModel
from chalicelib.storage.sweep_index import shard_of

# Keys without expiry sort after every instant (ISO dates start with a digit, "~" > "9").
NO_EXPIRY = "~"
LEAKED, CLEAN = "leaked", "clean"
Attributes = Mapping[str, str | None]


def facet(tenant_id: str, status: str, leaked: bool) -> str:
    """The list partition of a tenant's keys in one status and leak state."""
    return f"{tenant_id}#{status}#{LEAKED if leaked else CLEAN}"


def tenant_facets(tenant_id: str) -> list[str]:
    """Every list partition of a tenant: together they hold each of its keys once."""
    return [facet(tenant_id, status, leaked) for status in KeyStatus for leaked in (False, True)]


def instant(at: datetime) -> str:
    """A fixed-width UTC timestamp, so string order is time order (isoformat drops zeros)."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def expiry_sort(key_id: str, expires_at: datetime | None, created_at: datetime) -> str:
    """``<expiry>#<key id>``: ordered by expiry, unique; keys without expiry last, oldest first.

    ``~<created>#<key id>`` for a key without expiry: a stable, meaningful order among them.
    """
    if expires_at is None:
        return f"{NO_EXPIRY}{instant(created_at)}#{key_id}"
    return f"{instant(expires_at)}#{key_id}"


def list_attributes(
    tenant_id: str,
    key_id: str,
    status: str,
    leaked: bool,
    expires_at: datetime | None,
    created_at: datetime,
) -> dict[str, str | None]:
    """Where a key in this state sits in the key lists."""
    return {
        "list_facet": facet(tenant_id, status, leaked),
        "expiry_sort": expiry_sort(key_id, expires_at, created_at),
    }


def sweep_attributes(item: KeyModel) -> dict[str, str | None]:
    """The sweep index's partition: set while a warning is due (storage/sweep.py owns it)."""
    due: datetime | None = item.sweep_due  # the stubs type it as never None
    if due is None:
        return {"sweep_shard": None}
    # A hash of the key id; a key already in a shard ("0" before sharding) stays
    # there, since every shard is read (docs/expiry-sweep.md): no backfill moves it.
    return {"sweep_shard": item.sweep_shard or shard_of(item.key_id)}


def index_attributes(item: KeyModel) -> dict[str, str | None]:
    """Every derived index attribute of ``item`` as it stands (None: the attribute is absent)."""
    leaked_at: datetime | None = item.leaked_at  # the stubs type it as never None
    listed = list_attributes(
        item.tenant_id,
        item.key_id,
        item.status,
        leaked_at is not None,
        item.expires_at,
        item.created_at,
    )
    return {**listed, **sweep_attributes(item)}


def place(item: KeyModel) -> KeyModel:
    """Set a new item's derived attributes before its first save."""
    for name, value in index_attributes(item).items():
        setattr(item, name, value)
    return item


def differing(item: KeyModel) -> dict[str, str | None]:
    """The derived attributes ``item`` lacks or holds wrongly, with their right values."""
    return {
        name: value
        for name, value in index_attributes(item).items()
        if getattr(item, name) != value
    }


def set_actions(values: Attributes, *names: str) -> list[Action]:
    """SET (or REMOVE, for None) the named attributes of ``values``, all of them by default."""
    actions: list[Action] = []
    for name in names or tuple(values):
        attribute = getattr(KeyModel, name)
        value = values[name]
        actions.append(attribute.remove() if value is None else attribute.set(value))
    return actions
