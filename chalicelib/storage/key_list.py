"""The tenant-scoped key list: a Query on ``tenant-created-index``, newest first, never a Scan."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from pynamodb.expressions.condition import Condition

from chalicelib.domain.records import ApiKey, ExpiryState, KeyStatus
from chalicelib.storage.convert import key_from
from chalicelib.storage.errors import storage_errors
from chalicelib.storage.models import KeyModel
from chalicelib.storage.readable import read_all

Position = tuple[str, str]  # (created_sort, key_id) of the last key of a page
Read = tuple[KeyModel, ApiKey]


@dataclass(frozen=True)
class KeyFilter:
    """What ``GET /v1/keys`` asks for, with the instants its expiry states are cut at."""

    status: KeyStatus | None
    expiry: ExpiryState | None
    now: datetime
    soon: datetime
    # Leaked keys: True lists keys reported leaked, False the others, None both.
    leaked: bool | None = None


def list_keys(
    tenant_id: str, wanted: KeyFilter, limit: int, after: Position | None
) -> tuple[list[ApiKey], Position | None]:
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
