"""Transactions cancelled by a conflict are sent again; condition failures never are.

DynamoDB cancels a transaction with ``TransactionConflict`` when another one holds an item
(concurrent creates in one tenant all add to its counter). The conflicts are
injected as DynamoDB answers them (tests/functional/faults.py); the store is moto's.
"""

from __future__ import annotations

import pytest
from pynamodb.connection import Connection

from chalicelib.domain.errors import Conflict
from chalicelib.storage.models import TenantModel
from chalicelib.storage.transaction import Backoff, Cancelled, Transaction
from chalicelib.wiring.services import Services
from tests.conftest import Counters
from tests.functional.conftest import json_of, table_snapshot
from tests.functional.faults import Fault, FaultPlan
from tests.support.api import Api, Tenant

CONFLICT = Fault(
    "transaction conflict", code="TransactionCanceledException", reasons=("TransactionConflict",)
)
CONDITION = Fault(
    "condition failed", code="TransactionCanceledException", reasons=("ConditionalCheckFailed",)
)
COMMIT = "TransactWriteItems"


@pytest.fixture
def services(faults: FaultPlan, services: Services) -> Services:
    """The moto services, built after the fault plan so every client consults it."""
    return services


def commit_index(faults: FaultPlan, api: Api, acme: Tenant) -> int:
    """Which DynamoDB call of a create is its transaction (counted, none failed)."""
    faults.arm("dynamodb", CONFLICT, at=10**6)
    api.call("POST", "/v1/keys", {"name": "Probe", "group_id": acme.group_id})
    return faults.operations.index(COMMIT)


def test_a_create_cancelled_by_a_conflict_is_sent_again_and_counted_once(
    api: Api, acme: Tenant, services: Services, faults: FaultPlan, reliability: Counters
) -> None:
    at = commit_index(faults, api, acme)
    used = services.tenants.get(acme.tenant_id).keys_used

    faults.arm("dynamodb", CONFLICT, at=at)
    response = api.call("POST", "/v1/keys", {"name": "Contended", "group_id": acme.group_id})
    faults.disarm()
    reliability.faults += faults.injected

    assert response.status_code == 201, response.body
    assert faults.operations[at : at + 2] == [COMMIT, COMMIT]  # cancelled, then sent again
    assert services.tenants.get(acme.tenant_id).keys_used == used + 1
    assert services.keys.get(acme.tenant_id, json_of(response)["key"]["id"]).name == "Contended"


def test_a_create_refused_by_a_condition_is_not_sent_again(
    api: Api, acme: Tenant, services: Services, faults: FaultPlan, reliability: Counters
) -> None:
    at = commit_index(faults, api, acme)
    before = table_snapshot(services)

    faults.arm("dynamodb", CONDITION, at=at)
    response = api.call("POST", "/v1/keys", {"name": "Refused", "group_id": acme.group_id})
    faults.disarm()
    reliability.faults += faults.injected

    assert response.status_code == 409, response.body
    assert faults.operations.count(COMMIT) == 1
    assert table_snapshot(services) == before


def test_conflicts_past_the_budget_answer_conflict_after_a_bounded_number_of_sends(
    services: Services, acme: Tenant, faults: FaultPlan, reliability: Counters
) -> None:
    pauses: list[float] = []
    backoff = Backoff(attempts=5, first=0.01, cap=0.04, budget=1.0)
    tx = Transaction(Connection(region=services.settings.region), backoff, pauses.append)
    tx.update("tenant", TenantModel(acme.tenant_id), [TenantModel.keys_used.add(1)])
    used = services.tenants.get(acme.tenant_id).keys_used

    faults.arm("dynamodb", CONFLICT)  # every call
    with pytest.raises(Conflict) as raised:
        tx.commit()
    faults.disarm()
    reliability.faults += faults.injected

    assert not isinstance(raised.value, Cancelled)
    assert faults.operations == [COMMIT] * 5
    assert len(pauses) == 4
    assert all(0 <= pause <= min(0.04, 0.01 * 2**n) for n, pause in enumerate(pauses))
    assert services.tenants.get(acme.tenant_id).keys_used == used


def test_backoff_pauses_stop_at_the_budget() -> None:
    backoff = Backoff(attempts=10, first=1.0, cap=4.0, budget=6.0)

    pauses = list(backoff.pauses(lambda low, high: high))  # the longest pause each time

    assert pauses == [1.0, 2.0]  # 1 + 2 + 4 would pass the 6 s budget
