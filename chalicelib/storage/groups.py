"""Authorization group storage, every item under its tenant's hash key.

Each write is a transaction with its audit event (chalicelib/storage/audit.py). Creating
and deleting a group moves the tenant's ``groups_used`` in the same transaction, under a
condition that keeps it within the tenant's group limit (chalicelib/storage/group_count.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from chalicelib.domain.errors import Conflict, GroupInUse, NotFound
from chalicelib.domain.records import AuditEvent, Group
from chalicelib.storage import group_count
from chalicelib.storage.audit import AuditWriter
from chalicelib.storage.convert import group_from, group_to
from chalicelib.storage.errors import failed_items, storage_errors
from chalicelib.storage.group_count import DEFAULT_GROUP_LIMIT
from chalicelib.storage.models import GroupModel


class GroupStore:
    """Reads and writes authorization groups."""

    def __init__(
        self,
        connection: Connection,
        audit: AuditWriter | None = None,
        default_group_limit: int = DEFAULT_GROUP_LIMIT,
    ) -> None:
        self._connection = connection
        self._audit = audit or AuditWriter()
        self._default_limit = default_group_limit

    def get(self, tenant_id: str, group_id: str) -> Group:
        with storage_errors():
            try:
                return group_from(GroupModel.get(tenant_id, group_id, consistent_read=True))
            except DoesNotExist:
                raise NotFound("no group with this id") from None

    def list(self, tenant_id: str) -> list[Group]:
        """Every group of the tenant, by id (a tenant has few)."""
        with storage_errors():
            return [group_from(item) for item in GroupModel.query(tenant_id)]

    def create(self, group: Group, event: AuditEvent | None = None) -> None:
        """Insert ``group`` and count it against its tenant's group limit."""
        with storage_errors():
            try:
                with TransactWrite(connection=self._connection) as tx:
                    tx.save(group_to(group), condition=GroupModel.group_id.does_not_exist())
                    self._audit.add(tx, event)
                    group_count.take(tx, group.tenant_id, self._default_limit)
            except TransactWriteError as error:
                failed = failed_items(error)
                if 0 in failed:
                    raise Conflict("a group with this id exists") from None
                if failed:  # the tenant's count: over the limit, or no tenant at all
                    group_count.explain_refusal(group.tenant_id, self._default_limit)
                raise

    def update(
        self,
        tenant_id: str,
        group_id: str,
        changes: dict[str, Any],
        now: datetime,
        event: AuditEvent | None = None,
    ) -> Group:
        actions: list[Action] = [GroupModel.updated_at.set(now)]
        for name, value in changes.items():
            attribute = getattr(GroupModel, name)
            actions.append(attribute.remove() if value in ("", None) else attribute.set(value))
        with storage_errors():
            try:
                with TransactWrite(connection=self._connection) as tx:
                    tx.update(
                        GroupModel(tenant_id, group_id),
                        actions=actions,
                        condition=GroupModel.group_id.exists(),
                    )
                    self._audit.add(tx, event)
            except TransactWriteError as error:
                if 0 in failed_items(error):
                    raise NotFound("no group with this id") from None
                raise
        return self.get(tenant_id, group_id)

    def delete(self, tenant_id: str, group_id: str, event: AuditEvent | None = None) -> None:
        """Delete a group no active key uses; the count is the write's condition.

        The tenant's ``groups_used`` goes down with it, unless the tenant has no count to
        lower (it predates the group limit): a second attempt proves that instead.
        """
        with storage_errors():
            for counted in (True, False):
                try:
                    self._delete(tenant_id, group_id, event, counted)
                    return
                except TransactWriteError as error:
                    self._explain_delete_failure(tenant_id, group_id, error, counted)
        raise Conflict("the tenant's groups changed meanwhile; try again")

    def _delete(
        self, tenant_id: str, group_id: str, event: AuditEvent | None, counted: bool
    ) -> None:
        unused = GroupModel.key_count.does_not_exist() | (GroupModel.key_count <= 0)
        with TransactWrite(connection=self._connection) as tx:
            tx.delete(
                GroupModel(tenant_id, group_id), condition=GroupModel.group_id.exists() & unused
            )
            self._audit.add(tx, event)
            group_count.give_back(tx, tenant_id, counted)

    def _explain_delete_failure(
        self, tenant_id: str, group_id: str, error: TransactWriteError, counted: bool
    ) -> None:
        # PynamoDB sends condition checks first: without a count, the group is item 1.
        group_index = 0 if counted else 1
        failed = failed_items(error)
        if group_index in failed:
            group = self.get(tenant_id, group_id)  # raises NotFound if it is gone
            raise GroupInUse(
                "active keys use this group; move or revoke them first",
                key_count=group.key_count,
            ) from None
        if not failed:
            raise error
        # Only the tenant's count refused: try the other way (counted, then uncounted).
