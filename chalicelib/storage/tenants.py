"""Tenant storage: each tenant's key limit and its live count of usable keys.

Each write is a transaction with its audit event (chalicelib/storage/audit.py).
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.update import Action

from chalicelib.domain.errors import NotFound, TenantExists
from chalicelib.domain.records import AuditEvent, LeakPolicy, Tenant, TenantEdit
from chalicelib.storage.audit import AuditWriter
from chalicelib.storage.convert import tenant_from
from chalicelib.storage.errors import storage_errors
from chalicelib.storage.models import TenantModel
from chalicelib.storage.readable import read_one
from chalicelib.storage.transaction import Cancelled, Transaction


class TenantStore:
    """Reads and writes tenants."""

    def __init__(self, connection: Connection, audit: AuditWriter | None = None) -> None:
        self._connection = connection
        self._audit = audit or AuditWriter()

    def get(self, tenant_id: str) -> Tenant:
        with storage_errors():
            try:
                return read_one(
                    lambda: tenant_from(TenantModel.get(tenant_id, consistent_read=True)),
                    "tenant",
                    tenant_id,
                )
            except DoesNotExist:
                raise NotFound(f"no tenant {tenant_id!r}") from None

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
        item = TenantModel(
            tenant_id,
            key_limit=key_limit,
            keys_used=0,
            created_at=now,
            group_limit=group_limit,
            groups_used=0,
            leak_policy=None if leak_policy is None else leak_policy.value,
            status="active",
            display_name=display_name,
        )
        tx = Transaction(self._connection)
        tx.save("tenant", item, TenantModel.tenant_id.does_not_exist())
        self._audit.add(tx, event)
        try:
            tx.commit()
        except Cancelled as cancelled:
            if "tenant" in cancelled.failed:
                raise TenantExists(f"tenant {tenant_id!r} exists") from None
            raise
        return tenant_from(item)

    def update(self, tenant_id: str, edit: TenantEdit, event: AuditEvent) -> Tenant:
        """Set the edit's fields with its event, in one transaction (no counter is touched,
        so a limit lowered during a burst of creates leaves every count exact)."""
        actions: list[Action] = []
        if edit.key_limit is not None:
            actions.append(TenantModel.key_limit.set(edit.key_limit))
        if edit.group_limit is not None:
            actions.append(TenantModel.group_limit.set(edit.group_limit))
        if edit.leak_policy is not None:
            actions.append(TenantModel.leak_policy.set(edit.leak_policy.value))
        if edit.display_name is not None:
            actions.append(TenantModel.display_name.set(edit.display_name))
        return self._set(tenant_id, actions, event)

    def set_limit(self, tenant_id: str, key_limit: int, event: AuditEvent | None = None) -> Tenant:
        return self._set(tenant_id, [TenantModel.key_limit.set(key_limit)], event)

    def set_group_limit(
        self, tenant_id: str, group_limit: int, event: AuditEvent | None = None
    ) -> Tenant:
        """Set the tenant's own group limit (lowering it removes no group)."""
        return self._set(tenant_id, [TenantModel.group_limit.set(group_limit)], event)

    def _set(self, tenant_id: str, actions: list[Action], event: AuditEvent | None) -> Tenant:
        self._write(tenant_id, actions, event)
        return self.get(tenant_id)

    def _write(self, tenant_id: str, actions: list[Action], event: AuditEvent | None) -> None:
        """Update an existing tenant with its audit event, in one transaction."""
        tx = Transaction(self._connection)
        tx.update("tenant", TenantModel(tenant_id), actions, TenantModel.tenant_id.exists())
        self._audit.add(tx, event)
        try:
            tx.commit()
        except Cancelled as cancelled:
            if "tenant" in cancelled.failed:
                raise NotFound(f"no tenant {tenant_id!r}") from None
            raise

    def set_leak_policy(
        self, tenant_id: str, policy: LeakPolicy, event: AuditEvent | None = None
    ) -> None:
        """Leaked keys: set what the tenant wants done with a leaked key, with its event."""
        self._write(tenant_id, [TenantModel.leak_policy.set(policy.value)], event)
