"""Named transaction items: a cancellation names the items whose condition failed.

PynamoDB sends items grouped (checks, deletes, puts, updates), not in the order they were
added; the names must follow the items, whatever order they were added in.
"""

from __future__ import annotations

import pytest
from pynamodb.connection import Connection

from chalicelib.storage.models import GroupModel, TenantModel
from chalicelib.storage.transaction import Cancelled, Transaction
from chalicelib.wiring.services import Services
from tests.functional.conftest import table_snapshot
from tests.support.api import Tenant
from tests.support.clock import FakeClock


def test_a_cancelled_transaction_names_exactly_the_items_whose_condition_failed(
    acme: Tenant, services: Services, clock: FakeClock
) -> None:
    tx = Transaction(Connection(region=services.settings.region))
    # Added update, put, check, delete: sent check, delete, put, update.
    tx.update(
        "limit", TenantModel("acme"), [TenantModel.key_limit.set(1)], TenantModel.key_limit > 10**6
    )
    tx.save(
        "new tenant",
        TenantModel("fresh", key_limit=1, keys_used=0, created_at=clock()),
        TenantModel.tenant_id.does_not_exist(),
    )
    tx.check("no group", GroupModel, "acme", acme.group_id, GroupModel.name.does_not_exist())
    tx.delete("nothing", GroupModel("acme", "grp_absent"), GroupModel.name.exists())
    before = table_snapshot(services)

    with pytest.raises(Cancelled) as cancelled:
        tx.commit()

    assert cancelled.value.failed == {"limit", "no group", "nothing"}
    assert table_snapshot(services) == before
