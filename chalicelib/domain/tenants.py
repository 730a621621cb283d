"""Tenants and their first admin key: what the operator CLI does."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from chalicelib.domain import audit
from chalicelib.domain.errors import InvalidInput, TenantExists
from chalicelib.domain.groups import MANAGE, GroupDraft, GroupService
from chalicelib.domain.keys import Issued, KeyDraft, KeyService
from chalicelib.domain.ports import TenantRepository
from chalicelib.domain.records import Actor, Group, LeakPolicy, Origin, Tenant

# A tenant's id is the name the operator gives it: short, lower case, safe in logs and URLs.
TENANT_NAME = re.compile(r"[a-z0-9][a-z0-9-]{1,62}")
ADMIN_GROUP = "Administrators"
# A group is read on every authorizer decision and listed whole: keep the count modest.
MAX_GROUP_LIMIT = 1000
OPERATOR = Actor(type="system", id="latchkey-cli", name="Latchkey operator CLI")
OPERATOR_ORIGIN = Origin(OPERATOR)


@dataclass(frozen=True)
class Bootstrap:
    """What ``latchkey bootstrap`` made."""

    tenant: Tenant
    tenant_created: bool
    group_id: str
    issued: Issued


class TenantService:
    """Operator actions on tenants."""

    def __init__(
        self,
        tenants: TenantRepository,
        groups: GroupService,
        keys: KeyService,
        clock: Callable[[], datetime],
        default_limit: int,
    ) -> None:
        self._tenants = tenants
        self._groups = groups
        self._keys = keys
        self._clock = clock
        self._default_limit = default_limit

    def create(
        self,
        name: str,
        key_limit: int | None = None,
        group_limit: int | None = None,
        *,
        leak_policy: LeakPolicy | None = None,
        display_name: str | None = None,
        origin: Origin = OPERATOR_ORIGIN,
    ) -> Tenant:
        """A new, active tenant (the operator CLI's, or a platform principal's)."""
        _check_name(name)
        limit = self._default_limit if key_limit is None else _check_limit(key_limit)
        groups = None if group_limit is None else _check_group_limit(group_limit)
        if display_name is not None:
            check_display_name(display_name)
        now = self._clock()
        changes: dict[str, tuple[object, object]] = {"key_limit": (None, limit)}
        if groups is not None:
            changes["group_limit"] = (None, groups)
        if leak_policy is not None:
            changes["leak_policy"] = (None, leak_policy.value)
        if display_name is not None:
            changes["display_name"] = (None, display_name)
        record = audit.event(name, "tenant.created", ("tenant", name), origin, now, changes)
        return self._tenants.create(
            name, limit, now, record, groups, leak_policy=leak_policy, display_name=display_name
        )

    def get(self, name: str) -> Tenant:
        return self._tenants.get(name)

    def set_limit(self, name: str, key_limit: int) -> Tenant:
        limit = _check_limit(key_limit)
        changes = {"key_limit": (self._tenants.get(name).key_limit, limit)}
        target = ("tenant", name)
        record = audit.event(
            name, "tenant.limit_changed", target, OPERATOR_ORIGIN, self._clock(), changes
        )
        return self._tenants.set_limit(name, limit, record)

    def set_group_limit(self, name: str, group_limit: int) -> Tenant:
        """The tenant's own group limit; lowering it below its groups removes none."""
        limit = _check_group_limit(group_limit)
        changes = {"group_limit": (self._tenants.get(name).group_limit, limit)}
        target = ("tenant", name)
        record = audit.event(
            name, "tenant.limit_changed", target, OPERATOR_ORIGIN, self._clock(), changes
        )
        return self._tenants.set_group_limit(name, limit, record)

    def set_leak_policy(
        self, name: str, policy: LeakPolicy, origin: Origin = OPERATOR_ORIGIN
    ) -> Tenant:
        """Leaked keys: revoke them (the default) or only notify; unchanged writes nothing."""
        tenant = self._tenants.get(name)
        if tenant.leak_policy is policy:
            return tenant
        changes = {"leak_policy": (tenant.leak_policy.value, policy.value)}
        target = ("tenant", name)
        record = audit.event(
            name, "tenant.leak_policy_changed", target, origin, self._clock(), changes
        )
        self._tenants.set_leak_policy(name, policy, record)
        # Built from what was written, not read back: a failed read after the commit must
        # not answer 503 for a change that was made.
        return replace(tenant, leak_policy=policy)

    def bootstrap(self, name: str) -> Bootstrap:
        """Ensure the tenant exists, then add an admin group and an admin key to it."""
        try:
            tenant, created = self.create(name), True
        except TenantExists:
            tenant, created = self._tenants.get(name), False
        group, issued = self.mint_admin_key(name)
        return Bootstrap(tenant, created, group.group_id, issued)

    def mint_admin_key(
        self,
        name: str,
        origin: Origin = OPERATOR_ORIGIN,
        key_name: str = "Admin key",
        description: str = "Created by latchkey bootstrap.",
    ) -> tuple[Group, Issued]:
        """An admin key in the tenant's admin group (made when missing), as bootstrap does;
        the tenant's key limit applies."""
        group = self._admin_group(name, origin)
        issued = self._keys.create(
            name,
            origin,
            KeyDraft(
                name=key_name,
                description=description,
                group_id=group.group_id,
                expires_at=None,
                ip_allowlist=(),
            ),
        )
        return group, issued

    def _admin_group(self, tenant_id: str, origin: Origin = OPERATOR_ORIGIN) -> Group:
        """The tenant's bootstrap admin group, made on first use and reused after."""
        for group in self._groups.list(tenant_id):
            if group.name == ADMIN_GROUP and MANAGE in group.permissions:
                return group
        return self._groups.create(
            tenant_id,
            GroupDraft(
                name=ADMIN_GROUP,
                description="Created by latchkey bootstrap: manages this tenant's API keys.",
                permissions=(MANAGE,),
            ),
            origin,
        )


DISPLAY_NAME_LENGTH = 200


def check_display_name(display_name: str) -> str:
    """A tenant's display name: 1-200 characters, not all whitespace."""
    if not 1 <= len(display_name) <= DISPLAY_NAME_LENGTH or not display_name.strip():
        raise InvalidInput(
            f"a display name is 1-{DISPLAY_NAME_LENGTH} characters, not all whitespace",
            errors=[
                {"field": "display_name", "message": f"must be 1-{DISPLAY_NAME_LENGTH} characters"}
            ],
        )
    return display_name


def check_group_limit(limit: int) -> int:
    return _check_group_limit(limit)


def check_limit(limit: int) -> int:
    return _check_limit(limit)


def _check_name(name: str) -> None:
    if not TENANT_NAME.fullmatch(name):
        raise InvalidInput(
            "tenant names are 2-63 lower-case letters, digits or dashes",
            errors=[{"field": "name", "message": "must match [a-z0-9][a-z0-9-]{1,62}"}],
        )


def _check_group_limit(limit: int) -> int:
    if not 0 <= limit <= MAX_GROUP_LIMIT:
        raise InvalidInput(
            f"the group limit must be 0 to {MAX_GROUP_LIMIT}",
            errors=[{"field": "group_limit", "message": f"must be 0 to {MAX_GROUP_LIMIT}"}],
        )
    return limit


def _check_limit(limit: int) -> int:
    if not 0 <= limit <= 100_000:
        raise InvalidInput(
            "the key limit must be 0 to 100000",
            errors=[{"field": "key_limit", "message": "must be 0 to 100000"}],
        )
    return limit
