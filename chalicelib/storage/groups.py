"""Authorization group storage, every item under its tenant's hash key.

Each write is a transaction with its audit event (chalicelib/storage/audit.py). Creating
and deleting a group moves the tenant's ``groups_used`` in the same transaction, under a
condition that keeps it within the tenant's group limit (chalicelib/storage/group_count.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pynamodb.attributes import Attribute
from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.domain.edits import UNCHANGED, GroupEdit
from chalicelib.domain.errors import Conflict, GroupInUse, NotFound
from chalicelib.domain.permissions import MANAGE
from chalicelib.domain.records import AuditEvent, Group
from chalicelib.storage import group_count
from chalicelib.storage.audit import AuditWriter
from chalicelib.storage.convert import group_from, group_to
from chalicelib.storage.errors import storage_errors
from chalicelib.storage.managers import WITNESS, Guard, TenantGroups, group_edited
from chalicelib.storage.models import GroupModel
from chalicelib.storage.readable import read_all, read_one
from chalicelib.storage.transaction import Cancelled, Transaction

# A fresh read after a guard's state changed almost always wins the next attempt.
ATTEMPTS = 3
Groups = list[Group]  # a method named ``list`` shadows the builtin in the class


def group_exists() -> Condition:
    """The condition that proves a group is there: a real group has a name.

    Not ``group_id``: an older release's revoke could leave an item holding only its keys
    and ``key_count``, and that is no group to put a key in.
    """
    return GroupModel.name.exists()


def edit_actions(edit: GroupEdit) -> list[Action]:
    """SET each field the edit sends, or REMOVE the description it clears."""
    sent: list[tuple[Attribute[Any], object]] = []
    if edit.name is not UNCHANGED:
        sent.append((GroupModel.name, edit.name))
    if edit.description is not UNCHANGED:
        sent.append((GroupModel.description, edit.description))
    if edit.permissions is not UNCHANGED:
        sent.append((GroupModel.permissions, list(edit.permissions)))
    if edit.routes is not UNCHANGED:
        sent.append((GroupModel.routes, list(edit.routes)))
    # Only a description is ever cleared; an empty list of permissions is a value.
    cleared = (None, "")
    return [
        attribute.remove() if value in cleared else attribute.set(value)
        for attribute, value in sent
    ]


class GroupStore:
    """Reads and writes authorization groups."""

    def __init__(
        self,
        connection: Connection,
        audit: AuditWriter | None,
        default_group_limit: int,
    ) -> None:
        self._connection = connection
        self._audit = audit or AuditWriter()
        self._default_limit = default_group_limit

    def get(self, tenant_id: str, group_id: str) -> Group:
        with storage_errors():
            try:
                return read_one(
                    lambda: group_from(GroupModel.get(tenant_id, group_id, consistent_read=True)),
                    "group",
                    f"{tenant_id}/{group_id}",
                )
            except DoesNotExist:
                raise NotFound("no group with this id") from None

    def list(self, tenant_id: str) -> list[Group]:
        """Every readable group of the tenant, by id (a tenant has few); see readable.py."""
        with storage_errors():
            return list(read_all(group_from, GroupModel.query(tenant_id), "group", tenant_id))

    # Paginated groups: bounded reads however many groups a tenant has.
    def page(self, tenant_id: str, limit: int, after: str | None) -> tuple[Groups, str | None]:
        """Up to ``limit`` groups by id after ``after``, and the id the next page starts after.

        One Query of ``limit + 1`` items: the extra one says whether there is a next page.
        """
        condition = None if after is None else GroupModel.group_id > after
        with storage_errors():
            items = GroupModel.query(
                tenant_id, condition, consistent_read=True, limit=limit + 1, page_size=limit + 1
            )
            found = list(read_all(group_from, items, "group", tenant_id))
        if len(found) <= limit:
            return found, None
        return found[:limit], found[limit - 1].group_id

    def named(self, tenant_id: str, group_ids: Iterable[str]) -> Groups:
        """The tenant's groups among ``group_ids`` (absent ones left out): one BatchGetItem.

        Eventually consistent, like the names it is read for; at most 100 ids per request.
        """
        wanted = sorted(set(group_ids))
        if not wanted:
            return []
        with storage_errors():
            items = GroupModel.batch_get([(tenant_id, group_id) for group_id in wanted])
            return [
                group for group in read_all(group_from, items, "group", tenant_id) if group.name
            ]

    def create(self, group: Group, event: AuditEvent | None = None) -> None:
        """Insert ``group`` and count it against its tenant's group limit."""
        tx = Transaction(self._connection)
        tx.save("group", group_to(group), GroupModel.group_id.does_not_exist())
        self._audit.add(tx, event)
        group_count.take(tx, group.tenant_id, self._default_limit)
        try:
            tx.commit()
        except Cancelled as cancelled:
            if "group" in cancelled.failed:
                raise Conflict("a group with this id exists") from None
            if group_count.NAME in cancelled.failed:  # over the limit, or no tenant at all
                group_count.explain_refusal(group.tenant_id, self._default_limit)
            raise

    def update(
        self,
        tenant_id: str,
        group_id: str,
        edit: GroupEdit,
        now: datetime,
        event: AuditEvent | None = None,
    ) -> Group:
        """Write ``edit`` (a cleared description is removed) and read the group back.

        Taking ``keys:manage`` away keeps the tenant a manager (storage/managers.py):
        LastManager when the group holds the last ones.
        """
        for _ in range(ATTEMPTS):
            if self._update_as_read(tenant_id, group_id, edit, now, event):
                return self.get(tenant_id, group_id)
        raise Conflict("the groups changed meanwhile; try again")

    def _update_as_read(
        self,
        tenant_id: str,
        group_id: str,
        edit: GroupEdit,
        now: datetime,
        event: AuditEvent | None,
    ) -> bool:
        """Write ``edit``, judged on the groups as read now; False when they changed."""
        guard = Guard()
        if edit.permissions is not UNCHANGED and MANAGE not in edit.permissions:
            guard = group_edited(TenantGroups(tenant_id), group_id, edit)
        condition = group_exists() if guard.condition is None else group_exists() & guard.condition
        actions = [*edit_actions(edit), GroupModel.updated_at.set(now)]
        tx = Transaction(self._connection)
        tx.update("group", GroupModel(tenant_id, group_id), actions, condition)
        guard.add_witness(tx)
        self._audit.add(tx, event)
        try:
            tx.commit()
        except Cancelled as cancelled:
            if WITNESS in cancelled.failed:
                return False
            if "group" in cancelled.failed:
                if guard.condition is not None:
                    return False  # judged on the group as read, which changed: read again
                raise NotFound("no group with this id") from None
            raise
        return True

    def delete(self, tenant_id: str, group_id: str, event: AuditEvent | None = None) -> None:
        """Delete a group no active key uses; the count is the write's condition.

        The tenant's ``groups_used`` goes down with it, unless the tenant has no count to
        lower (it predates the group limit): a second attempt proves that instead.
        """
        for counted in (True, False):
            tx = Transaction(self._connection)
            unused = GroupModel.key_count.does_not_exist() | (GroupModel.key_count <= 0)
            tx.delete("group", GroupModel(tenant_id, group_id), group_exists() & unused)
            self._audit.add(tx, event)
            group_count.give_back(tx, tenant_id, counted)
            try:
                tx.commit()
                return
            except Cancelled as cancelled:
                if "group" in cancelled.failed:
                    group = self.get(tenant_id, group_id)  # raises NotFound if it is gone
                    raise GroupInUse(
                        "active keys use this group; move or revoke them first",
                        key_count=group.key_count,
                    ) from None
                # Only the tenant's count refused: try the other way (counted, then not).
        raise Conflict("the tenant's groups changed meanwhile; try again")
