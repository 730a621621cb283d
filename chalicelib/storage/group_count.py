"""A tenant's count of groups, held to its group limit inside group transactions.

``groups_used`` on the tenant item moves only in the transaction that creates or deletes a
group, under a condition that proves the state it was computed from: below the limit (the
tenant's own ``group_limit``, else the deployment's default) for a create; above zero for a
delete. No update here ever creates a tenant item: each condition requires the tenant.
A tenant made before the limit existed has no count; it starts at its first new group.
"""

from __future__ import annotations

from pynamodb.expressions.condition import Condition

from chalicelib.domain.errors import GroupLimitReached, NotFound
from chalicelib.storage.models import TenantModel
from chalicelib.storage.transaction import Transaction

NAME = "group count"  # the tenant's item in a group transaction


def _below_limit(default_limit: int) -> Condition:
    used, limit = TenantModel.groups_used, TenantModel.group_limit
    fresh = used.does_not_exist()  # no count yet: zero groups counted
    own = limit.exists() & ((used < limit) | (fresh & (limit > 0)))
    default = limit.does_not_exist() & (fresh | (used < default_limit))
    condition: Condition = own | default if default_limit > 0 else own
    return condition


def take(tx: Transaction, tenant_id: str, default_limit: int) -> None:
    """Count one more group, if the tenant exists and is below its limit."""
    tx.update(
        NAME,
        TenantModel(tenant_id),
        [TenantModel.groups_used.add(1)],
        TenantModel.tenant_id.exists() & _below_limit(default_limit),
    )


def give_back(tx: Transaction, tenant_id: str, counted: bool) -> None:
    """Count one group fewer; or, for a tenant with no count, prove it has none to lower."""
    if counted:
        tx.update(
            NAME,
            TenantModel(tenant_id),
            [TenantModel.groups_used.add(-1)],
            TenantModel.groups_used > 0,
        )
    else:
        uncounted = TenantModel.groups_used.does_not_exist() | (TenantModel.groups_used <= 0)
        tx.check(NAME, TenantModel, tenant_id, None, uncounted)


def explain_refusal(tenant_id: str, default_limit: int) -> None:
    """Raise why a group create's count was refused: no such tenant, or its limit."""
    try:
        tenant = TenantModel.get(tenant_id, consistent_read=True)
    except TenantModel.DoesNotExist:
        raise NotFound("no such tenant") from None
    limit = default_limit if tenant.group_limit is None else int(tenant.group_limit)
    raise GroupLimitReached(
        f"this tenant may hold at most {limit} groups; delete one or ask the operator",
        used=int(tenant.groups_used or 0),
        limit=limit,
    )
