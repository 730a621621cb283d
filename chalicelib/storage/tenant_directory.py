"""The tenant list of the platform API, from the tenants table's ``status-tenant-index``.

A page is one Query per status asked for (at most three: active, suspended, deleting), each
of at most ``limit + 1`` index entries from the cursor's id on, merged by id, then one
BatchGetItem of the page's tenants: a cost flat in the number of tenants, and never a Scan.
The index is eventually consistent: a tenant whose status changed a moment ago may be
absent from its new status's page or read under its old one; a tenant read back with a
status the query did not ask for is left out (the page may then be short, with a cursor).
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain.platform.tenants import TenantQuery
from chalicelib.domain.records import Tenant
from chalicelib.storage.convert import tenant_from
from chalicelib.storage.errors import storage_errors
from chalicelib.storage.models import TenantModel
from chalicelib.storage.readable import read_all


class TenantDirectoryStore:
    """Pages of tenants by id, per status and id prefix."""

    def page(
        self, query: TenantQuery, limit: int, after: str | None
    ) -> tuple[list[Tenant], str | None]:
        with storage_errors():
            ids = sorted(
                {
                    tenant_id
                    for status in query.statuses
                    for tenant_id in self._ids(status, query.prefix, limit + 1, after)
                }
            )
            more = len(ids) > limit
            ids = ids[:limit]
            found = {tenant.tenant_id: tenant for tenant in self._read(ids)}
        page = [found[i] for i in ids if i in found and found[i].status in query.statuses]
        return page, (ids[-1] if more and ids else None)

    @staticmethod
    def _ids(status: str, prefix: str, count: int, after: str | None) -> list[str]:
        start: dict[str, Any] | None = None
        if after is not None:
            start = {"status": {"S": status}, "tenant_id": {"S": after}}
        condition = TenantModel.tenant_id.startswith(prefix) if prefix else None
        results = TenantModel.by_status.query(
            status, condition, limit=count, last_evaluated_key=start, page_size=count
        )
        return [item.tenant_id for item in results]

    @staticmethod
    def _read(ids: list[str]) -> list[Tenant]:
        if not ids:
            return []
        items = TenantModel.batch_get(ids, consistent_read=True)
        return list(read_all(tenant_from, items, "tenant", "tenant list"))
