"""In-memory fakes of the management services' ports (chalicelib/domain/ports.py).

Each fake keeps the contract its port's docstring states, as storage does on DynamoDB:
the same domain errors for the same refusals, counters that move with the keys and
groups, and every write landing with its audit event or not at all. Unit tests of the
domain rules run on these; tests/functional run the same services on moto.

One :class:`Tables` holds the state the three repositories share (a key's create checks
its tenant's limit and its group), and counts writes, so a test can prove a no-op wrote
nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from chalicelib.config.limits import LimitSettings
from chalicelib.domain import key_rules
from chalicelib.domain.edits import UNCHANGED, GroupEdit, KeyEdit
from chalicelib.domain.errors import (
    Conflict,
    GroupInUse,
    GroupLimitReached,
    IdempotencyInProgress,
    InvalidInput,
    KeyLimitReached,
    NotFound,
    TenantExists,
)
from chalicelib.domain.key_query import KeyFilter, KeyListPosition
from chalicelib.domain.ports import NewExpiry
from chalicelib.domain.records import (
    Actor,
    ApiKey,
    AuditEvent,
    Claim,
    Group,
    KeyStatus,
    LeakMark,
    LeakPolicy,
    SecretHash,
    Tenant,
    TenantEdit,
)

DEFAULT_GROUP_LIMIT = LimitSettings.groups_per_tenant  # the deployment's default


@dataclass
class Tables:
    """The shared state: tenants, groups, keys, and what was written."""

    tenants: dict[str, Tenant] = field(default_factory=dict)
    groups: dict[tuple[str, str], Group] = field(default_factory=dict)
    keys: dict[str, ApiKey] = field(default_factory=dict)
    # Keys holding a slot of their tenant's limit (storage's ``counted``).
    counted: set[str] = field(default_factory=set)
    # Where each key sits in the expiry sweep's index (None: not in it).
    sweep_due: dict[str, datetime | None] = field(default_factory=dict)
    events: list[AuditEvent] = field(default_factory=list)
    # Idempotency-Key records another request took over: completing them fails.
    taken_claims: set[str] = field(default_factory=set)
    writes: int = 0

    def commit(self, event: AuditEvent | None, *more: AuditEvent | None) -> None:
        """One transaction's bookkeeping: a write, and its audit event(s)."""
        self.writes += 1
        self.events.extend(each for each in (event, *more) if each is not None)

    def bump(self, tenant_id: str, keys: int = 0, groups: int = 0) -> None:
        tenant = self.tenants[tenant_id]
        self.tenants[tenant_id] = replace(
            tenant, keys_used=tenant.keys_used + keys, groups_used=tenant.groups_used + groups
        )

    def count_in_group(self, tenant_id: str, group_id: str, delta: int) -> None:
        group = self.groups.get((tenant_id, group_id))
        if group is not None:  # a key may outlive its group (old drift): nothing to move
            self.groups[tenant_id, group_id] = replace(group, key_count=group.key_count + delta)


class FakeKeys:
    """KeyRepository in memory."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def get_in_tenant(self, tenant_id: str, key_id: str) -> ApiKey:
        key = self.tables.keys.get(key_id)
        if key is None or key.tenant_id != tenant_id:
            raise NotFound("no key with this id")
        return key

    def create(
        self,
        key: ApiKey,
        sweep_due: datetime | None,
        event: AuditEvent | None = None,
        claim: Claim | None = None,
    ) -> None:
        tables = self.tables
        _check_claim(tables, claim)
        if key.key_id in tables.keys:
            raise Conflict("a key with this id exists")
        if (key.tenant_id, key.group_id) not in tables.groups:
            raise _no_group()
        tenant = tables.tenants.get(key.tenant_id)
        if tenant is None:
            raise NotFound(f"no tenant {key.tenant_id!r}")
        if tenant.keys_used >= tenant.key_limit:
            raise KeyLimitReached(
                "the tenant has as many keys as its limit allows",
                used=tenant.keys_used,
                limit=tenant.key_limit,
            )
        tables.keys[key.key_id] = key
        tables.counted.add(key.key_id)
        tables.sweep_due[key.key_id] = sweep_due
        tables.bump(key.tenant_id, keys=1)
        tables.count_in_group(key.tenant_id, key.group_id, 1)
        tables.commit(event)

    def list_keys(
        self, tenant_id: str, wanted: KeyFilter, limit: int, after: KeyListPosition | None
    ) -> tuple[list[ApiKey], KeyListPosition | None]:
        mine = [key for key in self.tables.keys.values() if key.tenant_id == tenant_id]
        # As the store orders (chalicelib/storage/key_list.py): newest first, or with an
        # expiry filter by expiry, soonest first.
        by_expiry = wanted.expiry is not None
        place = _expiry_position if by_expiry else _position
        ordered = sorted(mine, key=place, reverse=not by_expiry)
        matching = [
            key
            for key in ordered
            if wanted.matches(key)
            and (after is None or (place(key) > after if by_expiry else place(key) < after))
        ]
        page = matching[:limit]
        return page, place(page[-1]) if len(matching) > limit else None

    def update(
        self, key: ApiKey, edit: KeyEdit, now: datetime, event: AuditEvent | None = None
    ) -> ApiKey:
        tables = self.tables
        stored = tables.keys[key.key_id]
        if stored.status is not KeyStatus.ACTIVE or stored.group_id != key.group_id:
            raise Conflict("the key changed meanwhile; read it and retry")
        moved = edit.group_id is not UNCHANGED and edit.group_id != key.group_id
        if moved and (key.tenant_id, edit.group_id) not in tables.groups:
            raise _no_group()
        written = edit.applied(stored, now)
        if moved:
            tables.count_in_group(key.tenant_id, key.group_id, -1)
            tables.count_in_group(key.tenant_id, written.group_id, 1)
        tables.keys[key.key_id] = written
        tables.commit(event)
        return edit.applied(key, now)

    def rotate(
        self,
        key: ApiKey,
        current: SecretHash,
        previous: SecretHash | None,
        expiry: NewExpiry | None,
        now: datetime,
        event: AuditEvent | None = None,
        claim: Claim | None = None,
    ) -> bool:
        tables = self.tables
        stored = tables.keys[key.key_id]
        _check_claim(tables, claim)
        unchanged = stored.current_secret.digest == key.current_secret.digest
        if stored.status is not KeyStatus.ACTIVE or not unchanged or stored.is_expired(now):
            return False
        tables.keys[key.key_id] = replace(
            stored,
            current_secret=current,
            previous_secret=previous,
            expires_at=expiry.expires_at if expiry else stored.expires_at,
            rotated_at=now,
            updated_at=now,
        )
        if expiry is not None:
            tables.sweep_due[key.key_id] = expiry.sweep_due
        tables.commit(event)
        return True

    def revoke(
        self,
        key: ApiKey,
        actor: Actor,
        now: datetime,
        event: AuditEvent | None = None,
        leak: LeakMark | None = None,
    ) -> bool:
        tables = self.tables
        stored = tables.keys[key.key_id]  # the fresh read storage makes before its write
        if stored.status is not KeyStatus.ACTIVE:
            return False
        if leak is not None and leak.fingerprint in stored.leaked_secrets:
            return False
        # What storage writes is what the domain's rule says a revoked key is.
        tables.keys[key.key_id] = key_rules.revoked(stored, actor, now, leak)
        if key.key_id in tables.counted:
            tables.counted.discard(key.key_id)
            tables.bump(stored.tenant_id, keys=-1)
        tables.count_in_group(stored.tenant_id, stored.group_id, -1)
        tables.sweep_due[key.key_id] = None
        tables.commit(leak.event if leak else None, event)
        return True


Groups = list[Group]  # a method named ``list`` shadows the builtin in the class


class FakeGroups:
    """GroupRepository in memory."""

    def __init__(self, tables: Tables, default_limit: int = DEFAULT_GROUP_LIMIT) -> None:
        self.tables = tables
        self.default_limit = default_limit

    def get(self, tenant_id: str, group_id: str) -> Group:
        group = self.tables.groups.get((tenant_id, group_id))
        if group is None:
            raise NotFound("no group with this id")
        return group

    def list(self, tenant_id: str) -> list[Group]:
        return [group for (owner, _), group in self.tables.groups.items() if owner == tenant_id]

    # Paginated groups: by id, as the store's Query reads them.
    def page(self, tenant_id: str, limit: int, after: str | None) -> tuple[Groups, str | None]:
        mine = sorted(self.list(tenant_id), key=lambda group: group.group_id)
        later = [group for group in mine if after is None or group.group_id > after]
        page = later[:limit]
        return page, page[-1].group_id if len(later) > limit else None

    def named(self, tenant_id: str, group_ids: Iterable[str]) -> Groups:
        wanted = set(group_ids)
        return [group for group in self.list(tenant_id) if group.group_id in wanted]

    def create(self, group: Group, event: AuditEvent | None = None) -> None:
        tables = self.tables
        if (group.tenant_id, group.group_id) in tables.groups:
            raise Conflict("a group with this id exists")
        tenant = tables.tenants.get(group.tenant_id)
        if tenant is None:
            raise NotFound("no such tenant")
        limit = self.default_limit if tenant.group_limit is None else tenant.group_limit
        if tenant.groups_used >= limit:
            raise GroupLimitReached(
                f"this tenant may hold at most {limit} groups; delete one or ask the operator",
                used=tenant.groups_used,
                limit=limit,
            )
        tables.groups[group.tenant_id, group.group_id] = group
        tables.bump(group.tenant_id, groups=1)
        tables.commit(event)

    def update(
        self,
        tenant_id: str,
        group_id: str,
        edit: GroupEdit,
        now: datetime,
        event: AuditEvent | None = None,
    ) -> Group:
        group = self.get(tenant_id, group_id)
        written = replace(
            group,
            name=group.name if edit.name is UNCHANGED else edit.name,
            description=group.description
            if edit.description is UNCHANGED
            else edit.description or "",
            permissions=group.permissions if edit.permissions is UNCHANGED else edit.permissions,
            routes=group.routes if edit.routes is UNCHANGED else edit.routes,
            updated_at=now,
        )
        self.tables.groups[tenant_id, group_id] = written
        self.tables.commit(event)
        return written

    def delete(self, tenant_id: str, group_id: str, event: AuditEvent | None = None) -> None:
        group = self.get(tenant_id, group_id)
        if group.key_count > 0:
            raise GroupInUse(
                "active keys use this group; move or revoke them first", key_count=group.key_count
            )
        del self.tables.groups[tenant_id, group_id]
        self.tables.bump(tenant_id, groups=-1)
        self.tables.commit(event)


class FakeTenants:
    """TenantRepository in memory."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def get(self, tenant_id: str) -> Tenant:
        tenant = self.tables.tenants.get(tenant_id)
        if tenant is None:
            raise NotFound(f"no tenant {tenant_id!r}")
        return tenant

    def create(
        self,
        tenant_id: str,
        key_limit: int,
        now: datetime,
        event: AuditEvent | None = None,
        group_limit: int | None = None,
        leak_policy: LeakPolicy | None = None,
        display_name: str | None = None,
    ) -> Tenant:
        if tenant_id in self.tables.tenants:
            raise TenantExists(f"tenant {tenant_id!r} exists")
        tenant = Tenant(
            tenant_id,
            key_limit,
            0,
            now,
            group_limit,
            leak_policy=leak_policy or LeakPolicy.REVOKE,
            display_name=display_name,
        )
        self.tables.tenants[tenant_id] = tenant
        self.tables.commit(event)
        return tenant

    def update(self, tenant_id: str, edit: TenantEdit, event: AuditEvent) -> Tenant:
        tenant = self.get(tenant_id)
        fields = {name: value for name, value in vars(edit).items() if value is not None}
        return self._set(replace(tenant, **fields), event)

    def set_limit(self, tenant_id: str, key_limit: int, event: AuditEvent | None = None) -> Tenant:
        return self._set(replace(self.get(tenant_id), key_limit=key_limit), event)

    def set_group_limit(
        self, tenant_id: str, group_limit: int, event: AuditEvent | None = None
    ) -> Tenant:
        return self._set(replace(self.get(tenant_id), group_limit=group_limit), event)

    def set_leak_policy(
        self, tenant_id: str, policy: LeakPolicy, event: AuditEvent | None = None
    ) -> None:
        self._set(replace(self.get(tenant_id), leak_policy=policy), event)

    def _set(self, tenant: Tenant, event: AuditEvent | None) -> Tenant:
        self.tables.tenants[tenant.tenant_id] = tenant
        self.tables.commit(event)
        return tenant


def _position(key: ApiKey) -> KeyListPosition:
    return key.created_at.isoformat(), key.key_id


def _expiry_position(key: ApiKey) -> KeyListPosition:
    """Soonest expiry first, keys without expiry last and oldest first: the port's order.

    The fake's own sort value (fixed-width UTC, so string order is time order); it imports
    nothing from storage, so the domain's unit tests load no PynamoDB.
    """
    if key.expires_at is None:
        return "~" + _fixed_width(key.created_at), key.key_id
    return _fixed_width(key.expires_at), key.key_id


def _fixed_width(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _check_claim(tables: Tables, claim: Claim | None) -> None:
    if claim is not None and claim.record_id in tables.taken_claims:
        raise IdempotencyInProgress(
            "another request with this Idempotency-Key took it over; nothing was changed"
        )


def _no_group() -> InvalidInput:
    return InvalidInput(
        "the group does not exist",
        errors=[{"field": "group_id", "message": "no group with this id"}],
    )
