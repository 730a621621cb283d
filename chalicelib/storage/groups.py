"""Authorization group storage, every item under its tenant's hash key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, UpdateError
from pynamodb.expressions.update import Action

from chalicelib.domain.errors import Conflict, GroupInUse, NotFound
from chalicelib.domain.records import Group
from chalicelib.storage.convert import group_from, group_to
from chalicelib.storage.errors import is_condition_failure, storage_errors
from chalicelib.storage.models import GroupModel


class GroupStore:
    """Reads and writes authorization groups."""

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

    def create(self, group: Group) -> None:
        with storage_errors():
            try:
                group_to(group).save(condition=GroupModel.group_id.does_not_exist())
            except PutError as error:
                if is_condition_failure(error):
                    raise Conflict("a group with this id exists") from None
                raise

    def update(
        self, tenant_id: str, group_id: str, changes: dict[str, Any], now: datetime
    ) -> Group:
        actions: list[Action] = [GroupModel.updated_at.set(now)]
        for name, value in changes.items():
            attribute = getattr(GroupModel, name)
            actions.append(attribute.remove() if value in ("", None) else attribute.set(value))
        item = GroupModel(tenant_id, group_id)
        with storage_errors():
            try:
                item.update(actions=actions, condition=GroupModel.group_id.exists())
            except UpdateError as error:
                if is_condition_failure(error):
                    raise NotFound("no group with this id") from None
                raise
        return self.get(tenant_id, group_id)

    def delete(self, tenant_id: str, group_id: str) -> None:
        """Delete a group no active key uses; the count is the write's condition."""
        unused = GroupModel.key_count.does_not_exist() | (GroupModel.key_count <= 0)
        with storage_errors():
            try:
                GroupModel(tenant_id, group_id).delete(
                    condition=GroupModel.group_id.exists() & unused
                )
            except DeleteError as error:
                if not is_condition_failure(error):
                    raise
                group = self.get(tenant_id, group_id)  # raises NotFound if it is gone
                raise GroupInUse(
                    "active keys use this group; move or revoke them first",
                    key_count=group.key_count,
                ) from None
