"""Tenant storage: each tenant's key limit and its live count of usable keys."""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from chalicelib.domain.errors import NotFound, TenantExists
from chalicelib.domain.records import Tenant
from chalicelib.storage.convert import tenant_from
from chalicelib.storage.errors import is_condition_failure, storage_errors
from chalicelib.storage.models import TenantModel


class TenantStore:
    """Reads and writes tenants."""

    def get(self, tenant_id: str) -> Tenant:
        with storage_errors():
            try:
                return tenant_from(TenantModel.get(tenant_id, consistent_read=True))
            except DoesNotExist:
                raise NotFound(f"no tenant {tenant_id!r}") from None

    def create(self, tenant_id: str, key_limit: int, now: datetime) -> Tenant:
        item = TenantModel(tenant_id, key_limit=key_limit, keys_used=0, created_at=now)
        with storage_errors():
            try:
                item.save(condition=TenantModel.tenant_id.does_not_exist())
            except PutError as error:
                if is_condition_failure(error):
                    raise TenantExists(f"tenant {tenant_id!r} exists") from None
                raise
        return tenant_from(item)

    def set_limit(self, tenant_id: str, key_limit: int) -> Tenant:
        item = TenantModel(tenant_id)
        with storage_errors():
            try:
                item.update(
                    actions=[TenantModel.key_limit.set(key_limit)],
                    condition=TenantModel.tenant_id.exists(),
                )
            except UpdateError as error:
                if is_condition_failure(error):
                    raise NotFound(f"no tenant {tenant_id!r}") from None
                raise
        return self.get(tenant_id)
