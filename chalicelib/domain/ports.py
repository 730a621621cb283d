"""The ports the management services write through: keys, groups, tenants.

Storage implements them (chalicelib/storage/keys.py, groups.py, tenants.py) and the unit
tests' in-memory fakes do too (tests/support/fakes.py). The contract is in the docstrings:
which domain error a refused write raises, and that every write lands with its audit event
in one transaction, or not at all. The domain decides; a store only persists, under the
conditions that keep an invariant when two writers race.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.domain.edits import GroupEdit, KeyEdit
from chalicelib.domain.key_query import KeyFilter, KeyListPosition
from chalicelib.domain.records import (
    Actor,
    ApiKey,
    AuditEvent,
    Claim,
    Group,
    LeakMark,
    LeakPolicy,
    SecretHash,
    Tenant,
    TenantEdit,
)


@dataclass(frozen=True)
class NewExpiry:
    """A rotation's new expiry, and when the expiry sweep first needs the key for it."""

    expires_at: datetime
    sweep_due: datetime


class KeyRepository(Protocol):
    """A tenant's keys. A write that creates or revokes a key moves its tenant's key count
    and its group's key count in the same transaction."""

    def get_in_tenant(self, tenant_id: str, key_id: str) -> ApiKey:
        """The key; NotFound when there is none, or it belongs to another tenant."""
        ...

    def create(
        self,
        key: ApiKey,
        sweep_due: datetime | None,
        event: AuditEvent | None = None,
        claim: Claim | None = None,
    ) -> None:
        """Insert ``key``, due for the expiry sweep at ``sweep_due`` (None: never).

        Raises KeyLimitReached (with ``used`` and ``limit``) when the tenant is at its
        limit, InvalidInput on ``group_id`` when the group does not exist, and
        IdempotencyInProgress when ``claim`` was taken over; then nothing is written.
        """
        ...

    def list_keys(
        self, tenant_id: str, wanted: KeyFilter, limit: int, after: KeyListPosition | None
    ) -> tuple[list[ApiKey], KeyListPosition | None]:
        """Up to ``limit`` keys, newest first, and where the next page starts (None: last)."""
        ...

    def update(
        self, key: ApiKey, edit: KeyEdit, now: datetime, event: AuditEvent | None = None
    ) -> ApiKey:
        """Write ``edit`` on ``key`` as read, and answer the key as written.

        Conflict when the key was revoked or moved group since it was read; InvalidInput
        on ``group_id`` when the new group does not exist.
        """
        ...

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
        """Swap in ``current`` if the key is still active, unexpired and unrotated since read.

        False (nothing written) when that condition failed; the caller reads why.
        IdempotencyInProgress when ``claim`` was taken over.
        """
        ...

    def revoke(
        self,
        key: ApiKey,
        actor: Actor,
        now: datetime,
        event: AuditEvent | None = None,
        leak: LeakMark | None = None,
    ) -> bool:
        """Revoke an active key, freeing its tenant slot and group count.

        With ``leak``, record the leak and its event too, only if it is not recorded yet.
        False when the key was no longer active, or the leak was recorded meanwhile.
        """
        ...


Groups = list[Group]  # a method named ``list`` shadows the builtin in the class


class GroupRepository(Protocol):
    """A tenant's groups. Creating and deleting one moves the tenant's group count."""

    def get(self, tenant_id: str, group_id: str) -> Group:
        """The group; NotFound when the tenant has none with this id."""
        ...

    def list(self, tenant_id: str) -> list[Group]:
        """Every group of the tenant, in no particular order."""
        ...

    # Paginated groups.
    def page(self, tenant_id: str, limit: int, after: str | None) -> tuple[Groups, str | None]:
        """Up to ``limit`` groups by id after ``after``, and the id the next page starts after
        (None: the last page)."""
        ...

    def named(self, tenant_id: str, group_ids: Iterable[str]) -> Groups:
        """The tenant's groups among ``group_ids``; ids of no group are left out."""
        ...

    def create(self, group: Group, event: AuditEvent | None = None) -> None:
        """Insert ``group``: GroupLimitReached at the tenant's group limit, NotFound with no
        tenant, Conflict when the id is taken."""
        ...

    def update(
        self,
        tenant_id: str,
        group_id: str,
        edit: GroupEdit,
        now: datetime,
        event: AuditEvent | None = None,
    ) -> Group:
        """Write ``edit`` and answer the group as stored; NotFound when it is gone."""
        ...

    def delete(self, tenant_id: str, group_id: str, event: AuditEvent | None = None) -> None:
        """Delete a group no active key uses: GroupInUse (with ``key_count``) otherwise,
        NotFound when it does not exist."""
        ...


class TenantRepository(Protocol):
    """Tenants: each one's key limit, group limit and leak policy."""

    def get(self, tenant_id: str) -> Tenant:
        """The tenant; NotFound when there is none."""
        ...

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
        """A new, active tenant with nothing used; TenantExists when the name is taken."""
        ...

    def update(self, tenant_id: str, edit: TenantEdit, event: AuditEvent) -> Tenant:
        """Set the edit's fields with its event (lowering a limit revokes and deletes
        nothing); NotFound with no such tenant."""
        ...

    def set_limit(self, tenant_id: str, key_limit: int, event: AuditEvent | None = None) -> Tenant:
        """Set the key limit (lowering it revokes no key); NotFound with no such tenant."""
        ...

    def set_group_limit(
        self, tenant_id: str, group_limit: int, event: AuditEvent | None = None
    ) -> Tenant:
        """Set the group limit (lowering it deletes no group); NotFound with no such tenant."""
        ...

    def set_leak_policy(
        self, tenant_id: str, policy: LeakPolicy, event: AuditEvent | None = None
    ) -> None:
        """Set what is done with a leaked key; NotFound with no such tenant."""
        ...
