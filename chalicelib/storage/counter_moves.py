"""How a key's counters move: each +1 or -1 is a transaction item whose condition proves
its target is there, so no update ever creates an item as a side effect.

Two counters exist: the tenant's ``keys_used`` (keys that hold a slot of its limit, that
is, ``counted`` keys) and each group's ``key_count`` (its active keys). The caller's own
key item carries the condition that proves the state the move was computed from (status,
``counted``, ``group_id`` as read); these items prove the counter's side.
"""

from __future__ import annotations

from pynamodb.expressions.condition import Condition

from chalicelib.storage.groups import group_exists
from chalicelib.storage.models import GroupModel, TenantModel
from chalicelib.storage.transaction import Transaction


def take_slot(tx: Transaction, tenant_id: str) -> None:
    """+1 on ``keys_used`` while under the limit; named "tenant"."""
    tx.update(
        "tenant",
        TenantModel(tenant_id),
        [TenantModel.keys_used.add(1)],
        TenantModel.keys_used < TenantModel.key_limit,
    )


def free_slot(tx: Transaction, tenant_id: str) -> None:
    """-1 on ``keys_used`` of a tenant that exists; named "tenant"."""
    tx.update(
        "tenant",
        TenantModel(tenant_id),
        [TenantModel.keys_used.add(-1)],
        TenantModel.tenant_id.exists(),
    )


def count_in(
    tx: Transaction, name: str, tenant_id: str, group_id: str, also: Condition | None = None
) -> None:
    """+1 on the group's ``key_count``; the group must exist (and meet ``also``)."""
    tx.update(
        name,
        GroupModel(tenant_id, group_id),
        [GroupModel.key_count.add(1)],
        group_exists() if also is None else group_exists() & also,
    )


def uncount_from(
    tx: Transaction,
    name: str,
    tenant_id: str,
    group_id: str,
    gone: bool,
    also: Condition | None = None,
) -> None:
    """-1 on the group's ``key_count`` if it exists; if ``gone``, prove it does not instead.

    A key can outlive its group only through drift an older release caused (the group was
    deleted while its count was wrong). Then the caller retries with ``gone``: the key's
    change still goes through, and nothing is written to where the group was. ``also``: a
    further condition on the group (the state a guard judged it on: chalicelib/storage/managers.py).
    """
    if gone:
        tx.check(name, GroupModel, tenant_id, group_id, GroupModel.name.does_not_exist())
    else:
        tx.update(
            name,
            GroupModel(tenant_id, group_id),
            [GroupModel.key_count.add(-1)],
            group_exists() if also is None else group_exists() & also,
        )
