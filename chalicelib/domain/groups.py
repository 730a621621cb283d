"""Authorization groups: what a key may do (permissions) and call (route patterns)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain import audit
from chalicelib.domain.edits import GroupEdit
from chalicelib.domain.key_format import BASE62
from chalicelib.domain.lockout import NOBODY, Caller, check_group_edit
from chalicelib.domain.permissions import MANAGE, READ
from chalicelib.domain.ports import GroupRepository
from chalicelib.domain.records import SYSTEM, Group, Origin
from chalicelib.domain.routes import ALL_ROUTES

Groups = list[Group]  # a method named ``list`` shadows the builtin in the class
__all__ = ["MANAGE", "READ", "GroupDraft", "GroupService", "new_group_id"]


@dataclass(frozen=True)
class GroupDraft:
    """What a caller asks for when creating a group."""

    name: str
    description: str
    permissions: tuple[str, ...]
    routes: tuple[str, ...] = (ALL_ROUTES,)


GROUP_ID_LENGTH = 16
# Every group id, as a JSON Schema pattern (anchored: those are not).
GROUP_ID_PATTERN = rf"^grp_[0-9A-Za-z]{{{GROUP_ID_LENGTH}}}$"


def new_group_id() -> str:
    return "grp_" + "".join(secrets.choice(BASE62) for _ in range(GROUP_ID_LENGTH))


class GroupService:
    """Creates, reads, edits and deletes a tenant's groups."""

    def __init__(self, groups: GroupRepository, clock: Callable[[], datetime]) -> None:
        self._groups = groups
        self._clock = clock

    def create(self, tenant_id: str, draft: GroupDraft, origin: Origin = SYSTEM) -> Group:
        now = self._clock()
        group = Group(
            group_id=new_group_id(),
            tenant_id=tenant_id,
            name=draft.name,
            description=draft.description,
            permissions=draft.permissions,
            routes=draft.routes,
            created_at=now,
            updated_at=now,
        )
        fields = {
            "name": group.name,
            "description": group.description,
            "permissions": group.permissions,
            "routes": group.routes,
        }
        target = ("group", group.group_id)
        record = audit.event(tenant_id, "group.created", target, origin, now, audit.created(fields))
        self._groups.create(group, record)
        return group

    def get(self, tenant_id: str, group_id: str) -> Group:
        return self._groups.get(tenant_id, group_id)

    def list(self, tenant_id: str) -> list[Group]:
        return sorted(self._groups.list(tenant_id), key=lambda group: group.created_at)

    # Paginated groups.
    def page(self, tenant_id: str, limit: int, after: str | None) -> tuple[Groups, str | None]:
        """A page of the tenant's groups, by id, and the id the next page starts after."""
        return self._groups.page(tenant_id, limit, after)

    def named(self, tenant_id: str, group_ids: Iterable[str]) -> Groups:
        """Only the groups ``group_ids`` names (a key answer's), never the whole tenant's."""
        return self._groups.named(tenant_id, group_ids)

    def update(
        self,
        tenant_id: str,
        group_id: str,
        edit: GroupEdit,
        origin: Origin = SYSTEM,
        caller: Caller = NOBODY,
    ) -> Group:
        """Apply ``edit``; an edit that changes nothing writes nothing.

        Taking keys:manage from ``caller``'s own group needs its confirmation; from the
        tenant's last managing keys, never (LastManager, from the write).
        """
        group = self._groups.get(tenant_id, group_id)
        changed = edit.changes(group)
        if not changed:
            return group
        check_group_edit(caller, group, edit)
        now = self._clock()
        target = ("group", group_id)
        record = audit.event(tenant_id, "group.updated", target, origin, now, changed)
        return self._groups.update(tenant_id, group_id, edit, now, record)

    def delete(self, tenant_id: str, group_id: str, origin: Origin = SYSTEM) -> None:
        group = self._groups.get(tenant_id, group_id)
        changes = {"name": (group.name, None)}
        target = ("group", group_id)
        record = audit.event(tenant_id, "group.deleted", target, origin, self._clock(), changes)
        self._groups.delete(tenant_id, group_id, record)
