"""The tenant-scoped key list: bounded reads per page, whatever the filters and tenant size.

A tenant's keys are split into "facets", one list partition per status and leak state
(``list_facet``, chalicelib/storage/key_index.py), each indexed twice: by creation time
(``list-created-index``) and by expiry (``list-expiry-index``). A filter picks facets
(status and leaked) and a range of the sort key (expiry), so it is never a filter
expression: a page is at most 4 Queries of ``limit + 1`` index items (one per facet the
filter spans), merged by sort key, then one BatchGetItem of the page's keys. Without an
expiry filter the order is newest first; with one, soonest expiry first (keys without
expiry last). The position of a page is the last key's sort value, so the next page is a
key condition, not a start key. The facets' Queries run at once, so a page takes about one
Query's time. An unfiltered page is 4 Queries, not 1: one tenant-wide index more would
make it 1, at the price of another index written on every create and another migration
step, to save ~150 index items of ~60 bytes (about 2 RCU) per unfiltered page.

The indexes are KEYS_ONLY, chosen on measured figures (scripts/bench_lists.py, DynamoDB
Local, pages of 50, eventually consistent reads, keys of ~0.3 KB): a facet Query of 51
items costs 1.0 RCU from the KEYS_ONLY index and 3.5 RCU from an ALL copy of it; the
page's BatchGetItem of 50 keys costs 25 RCU (each item rounds up to 4 KB). A page reads
28 RCU unfiltered (4 facets) and 26 RCU for one facet, at 1,000, 10,000 and 100,000 keys;
a projecting index would read 4-14 RCU. Reads favour projecting, and KEYS_ONLY is kept
all the same: a key answer shows ``last_used_at``, and projecting it would send every one
of the authorizer's writes of it into both indexes (the hot partition this design
removes), while leaving it out would show it stale; every other key write would rewrite
the item into two more indexes; and an INCLUDE list must name every attribute a key ever
gets (at most 100 across the table's indexes), where a forgotten one silently vanishes
from lists. A list is a management read, far rarer than the writes.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from pynamodb.expressions.condition import Condition

from chalicelib.domain.key_query import KeyFilter, KeyListPosition
from chalicelib.domain.records import ApiKey, ExpiryState, KeyStatus
from chalicelib.storage.convert import key_from
from chalicelib.storage.errors import storage_errors
from chalicelib.storage.key_index import facet, instant
from chalicelib.storage.key_model import KeyModel
from chalicelib.storage.readable import read_all
from chalicelib.storage.sessions import connect_here

# (sort value, key_id) of a page's last key: created_sort, or expiry_sort with an expiry filter.
Position = KeyListPosition
Candidate = tuple[str, str]  # (sort value, key_id) of an index item
# Above every "<instant>#<key id>" of that instant and below the next instant's: "$" > "#".
_AFTER_INSTANT = "$"


def list_keys(
    tenant_id: str, wanted: KeyFilter, limit: int, after: Position | None
) -> tuple[list[ApiKey], Position | None]:
    """Up to ``limit`` keys and where the next page starts (None: this is the last page)."""
    by_expiry = wanted.expiry is not None
    partitions = facets(tenant_id, wanted)
    found: list[Candidate] = []
    with storage_errors():
        if len(partitions) == 1:
            found = _query(partitions[0], wanted, limit + 1, after)
        else:
            # The facets' Queries are independent: at once, a page takes one Query's time.
            # The client is made here first, so the threads share the wiring's.
            connect_here(KeyModel._get_connection().connection)
            with ThreadPoolExecutor(max_workers=len(partitions)) as pool:
                for part in pool.map(lambda p: _query(p, wanted, limit + 1, after), partitions):
                    found += part
    # Each facet gave its first limit + 1 after the position, so the first limit + 1 of
    # their union are among them; one more than the page says there is a next page.
    found.sort(reverse=not by_expiry)
    page = found[:limit]
    keys = _fetch(tenant_id, [key_id for _, key_id in page], wanted)
    following = page[-1] if len(found) > limit else None
    return keys, following


def facets(tenant_id: str, wanted: KeyFilter) -> list[str]:
    """The list partitions that hold every key the filter can match (1, 2 or 4)."""
    statuses = list(KeyStatus) if wanted.status is None else [wanted.status]
    leaks = [False, True] if wanted.leaked is None else [wanted.leaked]
    return [facet(tenant_id, status, leaked) for status in statuses for leaked in leaks]


def _query(
    partition: str, wanted: KeyFilter, count: int, after: Position | None
) -> list[Candidate]:
    """The first ``count`` items of one facet after ``after``, as (sort value, key id)."""
    if wanted.expiry is None:
        condition = None if after is None else KeyModel.created_sort < after[0]
        items = KeyModel.by_list_created.query(
            partition, condition, scan_index_forward=False, limit=count, page_size=count
        )
        return [(item.created_sort, item.key_id) for item in items]
    bounds = expiry_range(
        wanted.expiry, wanted.now, wanted.soon, None if after is None else after[0]
    )
    if bounds is None:
        return []
    # A range's low end is inclusive, so the key at the position may come back: ask one more.
    items = KeyModel.by_list_expiry.query(partition, bounds, limit=count + 1, page_size=count + 1)
    found = [(str(item.expiry_sort), item.key_id) for item in items]
    return [entry for entry in found if after is None or entry[0] != after[0]][:count]


def expiry_range(
    state: ExpiryState, now: datetime, soon: datetime, after: str | None
) -> Condition | None:
    """The ``expiry_sort`` range of a state from ``after`` on (inclusive); None when empty.

    expired: expires_at <= now; expiring soon: now < expires_at <= soon; valid: later or
    never (the domain's ``expiry_state``). ``<instant>$`` sorts after every key of that
    instant and before the next instant's, so "expires at or before t" is
    ``expiry_sort <= <t>$``, and no key sits on a cut.
    """
    cut_now, cut_soon = instant(now) + _AFTER_INSTANT, instant(soon) + _AFTER_INSTANT
    ranges: dict[ExpiryState, tuple[str | None, str | None]] = {
        ExpiryState.EXPIRED: (None, cut_now),
        ExpiryState.EXPIRING_SOON: (cut_now, cut_soon),
        ExpiryState.VALID: (cut_soon, None),
    }
    low, high = ranges[state]
    if after is not None and (low is None or after > low):
        low = after
    sort = KeyModel.expiry_sort
    if low is None:
        assert high is not None  # only "expired" has no low end, and it has a high one
        return sort <= high
    if high is None:
        return sort >= low
    return sort.between(low, high) if low <= high else None


def _fetch(tenant_id: str, key_ids: list[str], wanted: KeyFilter) -> list[ApiKey]:
    """The keys, in ``key_ids``' order, each one BatchGetItem read (eventually consistent).

    The index is eventually consistent and the item may have changed since: a key that no
    longer matches the filter is left out of this page (it is in another facet now).
    """
    if not key_ids:
        return []
    with storage_errors():
        items = KeyModel.batch_get(key_ids, consistent_read=False)
        keys = {key.key_id: key for key in read_all(key_from, items, "key", tenant_id)}
    return [keys[key_id] for key_id in key_ids if key_id in keys and wanted.matches(keys[key_id])]
