"""The counter check's reads and its repair (chalicelib/domain/counters.py says what for).

Reads are strongly consistent where DynamoDB allows it (the tenant and its groups); the
keys come from the key lists' ``list-created-index``, which is eventually consistent, so a
key made in the last instant may be missed: the domain reads the counters before and after the keys,
and every repair write is conditional on the value it replaces.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pynamodb.attributes import NumberAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.condition import Condition

from chalicelib.domain.counters import Difference, KeyFacts, Stored
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.records import AuditEvent, KeyStatus
from chalicelib.storage.audit import AuditWriter
from chalicelib.storage.errors import storage_errors
from chalicelib.storage.groups import group_exists
from chalicelib.storage.key_index import tenant_facets
from chalicelib.storage.key_model import KeyModel
from chalicelib.storage.models import GroupModel, TenantModel
from chalicelib.storage.readable import read_all
from chalicelib.storage.transaction import Cancelled, Transaction

BATCH = 100  # BatchGetItem's most keys per request


class CounterCheckStore:
    """Reads counters and keys; writes repairs as one conditional transaction."""

    def __init__(self, connection: Connection, audit: AuditWriter | None = None) -> None:
        self._connection = connection
        self._audit = audit or AuditWriter()

    def tenant_ids(self) -> Iterator[str]:
        with storage_errors():
            for item in TenantModel.scan(attributes_to_get=["tenant_id"]):
                yield item.tenant_id

    def stored(self, tenant_id: str) -> Stored:
        with storage_errors():
            try:
                tenant = TenantModel.get(tenant_id, consistent_read=True)
            except DoesNotExist:
                raise NotFound(f"no tenant {tenant_id!r}") from None
            items = GroupModel.query(tenant_id, consistent_read=True)
            groups = list(read_all(_group_facts, items, "group", tenant_id))
        return Stored(
            keys_used=int(tenant.keys_used or 0),
            key_counts={group_id: count for group_id, count, named in groups if named},
            not_groups=tuple(group_id for group_id, _, named in groups if not named),
            groups_used=None if tenant.groups_used is None else int(tenant.groups_used),
        )

    def keys(self, tenant_id: str) -> Iterator[KeyFacts]:
        """Every key of the tenant: its ids from each list facet, then the facts in batches.

        A key written before the key lists and not yet backfilled is in no facet: run
        ``latchkey migrate backfill-keys`` first (docs/migrations.md).
        """
        wanted = ["key_id", "group_id", "status", "counted"]
        with storage_errors():
            for partition in tenant_facets(tenant_id):
                ids = [item.key_id for item in KeyModel.by_list_created.query(partition)]
                for start in range(0, len(ids), BATCH):
                    items = KeyModel.batch_get(ids[start : start + BATCH], attributes_to_get=wanted)
                    yield from read_all(_key_facts, items, "key", tenant_id)

    def repair(
        self,
        tenant_id: str,
        differences: Iterable[Difference],
        not_groups: Iterable[str],
        event: AuditEvent,
    ) -> None:
        """Set each counter to its count if it still holds the value read; delete non-groups.

        One transaction (at most 100 items: a tenant has far fewer groups).
        """
        tx = Transaction(self._connection)
        for difference in differences:
            name, count, stored = difference.counter, difference.counted, difference.stored
            if difference.group_id is None:
                counter = getattr(TenantModel, difference.name)  # keys_used or groups_used
                tx.update(
                    name, TenantModel(tenant_id), [counter.set(count)], _holds(counter, stored)
                )
            else:
                tx.update(
                    name,
                    GroupModel(tenant_id, difference.group_id),
                    [GroupModel.key_count.set(count)],
                    group_exists() & _holds(GroupModel.key_count, stored),
                )
        for group_id in not_groups:
            tx.delete(group_id, GroupModel(tenant_id, group_id), GroupModel.name.does_not_exist())
        self._audit.add(tx, event)
        try:
            tx.commit()
        except Cancelled:
            raise Conflict("a counter changed while being repaired; run the check again") from None


def _holds(attribute: NumberAttribute, value: int) -> Condition:
    """The counter still holds ``value`` (an absent counter reads as 0)."""
    stored: Condition = attribute == value
    if value == 0:
        stored = stored | attribute.does_not_exist()
    return stored


def _group_facts(item: GroupModel) -> tuple[str, int, bool]:
    return item.group_id, int(item.key_count or 0), item.name is not None


def _key_facts(item: KeyModel) -> KeyFacts:
    active = item.status == KeyStatus.ACTIVE.value
    return KeyFacts(item.group_id, active, active and bool(item.counted))
