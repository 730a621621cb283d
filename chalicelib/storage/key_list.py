"""The tenant-scoped key list: a Query on ``tenant-created-index``, newest first, never a Scan."""

from __future__ import annotations

from collections.abc import Iterator

from pynamodb.expressions.condition import Condition

from chalicelib.domain.key_query import KeyFilter, KeyListPosition
from chalicelib.domain.records import ApiKey, ExpiryState
from chalicelib.storage.convert import key_from
from chalicelib.storage.errors import storage_errors
from chalicelib.storage.models import KeyModel
from chalicelib.storage.readable import read_all

Read = tuple[KeyModel, ApiKey]


def list_keys(
    tenant_id: str, wanted: KeyFilter, limit: int, after: KeyListPosition | None
) -> tuple[list[ApiKey], KeyListPosition | None]:
    """Up to ``limit`` keys, newest first, and where the next page starts (if any).

    Filters drop items after DynamoDB reads them, so the query keeps reading pages of the
    index until it has ``limit + 1`` matches: pages are full, and the extra one says
    whether there is a next page.
    """
    start = None
    if after is not None:
        start = {
            "tenant_id": {"S": tenant_id},
            "created_sort": {"S": after[0]},
            "key_id": {"S": after[1]},
        }
    with storage_errors():
        items = KeyModel.by_tenant.query(
            tenant_id,
            scan_index_forward=False,
            filter_condition=_filter(wanted),
            last_evaluated_key=start,
            page_size=limit + 1,
        )
        # An item the code cannot read is skipped and logged, not the whole list lost.
        page = list(_take(read_all(_with_key, items, "key", tenant_id), limit + 1))
    if len(page) <= limit:
        return [key for _, key in page], None
    last, _ = page[limit - 1]
    return [key for _, key in page[:limit]], (last.created_sort, last.key_id)


def _with_key(item: KeyModel) -> tuple[KeyModel, ApiKey]:
    return item, key_from(item)


def _filter(wanted: KeyFilter) -> Condition | None:
    conditions: list[Condition] = []
    if wanted.status is not None:
        conditions.append(KeyModel.status == wanted.status.value)
    if wanted.expiry is ExpiryState.VALID:
        conditions.append(
            KeyModel.expires_at.does_not_exist() | (KeyModel.expires_at > wanted.soon)
        )
    elif wanted.expiry is ExpiryState.EXPIRING_SOON:
        conditions.append((KeyModel.expires_at > wanted.now) & (KeyModel.expires_at <= wanted.soon))
    elif wanted.expiry is ExpiryState.EXPIRED:
        conditions.append(KeyModel.expires_at <= wanted.now)
    if wanted.leaked is not None:
        reported = KeyModel.leaked_at.exists()
        conditions.append(reported if wanted.leaked else KeyModel.leaked_at.does_not_exist())
    combined: Condition | None = None
    for condition in conditions:
        combined = condition if combined is None else combined & condition
    return combined


def _take(items: Iterator[Read], count: int) -> Iterator[Read]:
    for index, item in enumerate(items):
        if index >= count:
            return
        yield item
