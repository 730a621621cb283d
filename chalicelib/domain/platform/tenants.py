"""What platform principals do to tenants: create, list, read, change, mint an admin key.

Every change is written with its audit event in the tenant's own trail, and (because the
actor is a platform principal) in the platform trail too (chalicelib/storage/audit.py).
A limit lowered below what a tenant uses is allowed: nothing is revoked or deleted, new
keys (or groups) are refused until the tenant is under it again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.domain import audit
from chalicelib.domain.errors import NotFound
from chalicelib.domain.keys import Issued
from chalicelib.domain.ports import TenantRepository
from chalicelib.domain.records import Group, LeakPolicy, Origin, Tenant, TenantEdit
from chalicelib.domain.tenants import (
    TenantService,
    check_display_name,
    check_group_limit,
    check_limit,
)

STATUSES = ("active", "suspended", "deleting")
LIMIT_FIELDS = frozenset({"key_limit", "group_limit"})


@dataclass(frozen=True)
class TenantQuery:
    """A page of the tenant list: which statuses, which id prefix."""

    statuses: tuple[str, ...] = STATUSES
    prefix: str = ""


class TenantDirectory(Protocol):
    """The tenant list: by id, per status, at a cost flat in the number of tenants."""

    def page(
        self, query: TenantQuery, limit: int, after: str | None
    ) -> tuple[list[Tenant], str | None]:
        """Up to ``limit`` tenants by id after ``after``, and the last id when more follow."""
        ...


class PlatformTenants:
    """The platform API's tenant operations."""

    def __init__(
        self,
        tenants: TenantService,
        store: TenantRepository,
        directory: TenantDirectory,
        clock: Callable[[], datetime],
    ) -> None:
        self._tenants = tenants
        self._store = store
        self._directory = directory
        self._clock = clock

    def create(
        self,
        tenant_id: str,
        key_limit: int,
        origin: Origin,
        group_limit: int | None = None,
        leak_policy: LeakPolicy | None = None,
        display_name: str | None = None,
    ) -> Tenant:
        return self._tenants.create(
            tenant_id,
            key_limit,
            group_limit,
            leak_policy=leak_policy,
            display_name=display_name,
            origin=origin,
        )

    def get(self, tenant_id: str) -> Tenant:
        return self._store.get(tenant_id)

    def page(
        self, query: TenantQuery, limit: int, after: str | None
    ) -> tuple[list[Tenant], str | None]:
        return self._directory.page(query, limit, after)

    def update(self, tenant_id: str, edit: TenantEdit, origin: Origin) -> Tenant:
        """Change what ``edit`` names; an edit that changes nothing writes nothing."""
        _check(edit)
        tenant = self._store.get(tenant_id)
        changes = _changes(tenant, edit)
        if not changes:
            return tenant
        action = "tenant.limit_changed" if set(changes) <= LIMIT_FIELDS else "tenant.updated"
        if set(changes) == {"leak_policy"}:
            action = "tenant.leak_policy_changed"
        target = ("tenant", tenant_id)
        event = audit.event(tenant_id, action, target, origin, self._clock(), changes)
        return self._store.update(tenant_id, edit, event)

    def mint_admin_key(self, tenant_id: str, origin: Origin, name: str) -> tuple[Group, Issued]:
        """An admin key in the tenant's admin group, as ``latchkey bootstrap`` makes; 404
        for no tenant (this never creates one)."""
        try:
            self._store.get(tenant_id)
        except NotFound:
            raise NotFound("no such tenant") from None
        return self._tenants.mint_admin_key(
            tenant_id, origin, name, "Created through the platform API."
        )


def _check(edit: TenantEdit) -> None:
    if edit.key_limit is not None:
        check_limit(edit.key_limit)
    if edit.group_limit is not None:
        check_group_limit(edit.group_limit)
    if edit.display_name is not None:
        check_display_name(edit.display_name)


def _changes(tenant: Tenant, edit: TenantEdit) -> audit.Changes:
    before: dict[str, object] = {
        "key_limit": tenant.key_limit,
        "group_limit": tenant.group_limit,
        "leak_policy": tenant.leak_policy.value,
        "display_name": tenant.display_name,
    }
    after: dict[str, object] = {
        "key_limit": edit.key_limit,
        "group_limit": edit.group_limit,
        "leak_policy": None if edit.leak_policy is None else edit.leak_policy.value,
        "display_name": edit.display_name,
    }
    return audit.diff(before, {name: value for name, value in after.items() if value is not None})
