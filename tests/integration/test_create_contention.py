"""Concurrent creates in one tenant on DynamoDB Local, with DynamoDB's conflicts emulated.

Every create adds to the tenant's ``keys_used`` in a transaction, so concurrent creates
contend on that one item. DynamoDB cancels all but one of the transactions in flight on it
with ``TransactionConflict``; the store sends a cancelled one again after a jittered pause
(chalicelib/storage/transaction.py), so no create answers 409 for a conflict alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from chalicelib.config.settings import Settings
from chalicelib.domain.errors import KeyLimitReached
from chalicelib.domain.keys import Issued
from chalicelib.wiring.services import Services, build_services
from tests.conftest import Counters
from tests.integration.contention import Contention, contention
from tests.integration.test_races import ADMIN, at_once, draft, new_tenant

CREATES = 20


@pytest.fixture
def conflicts() -> Iterator[Contention]:
    with contention() as plan:
        yield plan


@pytest.fixture
def services(conflicts: Contention, local_settings: Settings) -> Services:
    """Built after the emulation is installed, so every client meets it."""
    return build_services(local_settings)


def test_twenty_concurrent_creates_below_the_limit_all_succeed_and_count_exactly(
    services: Services, conflicts: Contention, reliability: Counters
) -> None:
    tenant_id, group_id = new_tenant(services, limit=CREATES + 10)

    results = at_once(*[lambda: services.keys.create(tenant_id, ADMIN, draft(group_id))] * CREATES)
    reliability.races += 1

    outcomes = Counter(type(result).__name__ for result in results)
    assert outcomes == {"Issued": CREATES}, [r for r in results if not isinstance(r, Issued)]
    assert conflicts.conflicts > 0  # the creates did contend, and were sent again
    assert services.tenants.get(tenant_id).keys_used == CREATES
    assert services.groups.get(tenant_id, group_id).key_count == CREATES
    listed, _ = services.keys.list(tenant_id, None, None, 100, None)
    assert len(listed) == CREATES


def test_twenty_concurrent_creates_against_a_limit_of_fifteen_refuse_five_for_the_limit(
    services: Services, conflicts: Contention, reliability: Counters
) -> None:
    limit = CREATES - 5
    tenant_id, group_id = new_tenant(services, limit=limit)

    results = at_once(*[lambda: services.keys.create(tenant_id, ADMIN, draft(group_id))] * CREATES)
    reliability.races += 1

    made = [result for result in results if isinstance(result, Issued)]
    refused = [result for result in results if isinstance(result, KeyLimitReached)]
    assert (len(made), len(refused)) == (limit, 5), results
    assert conflicts.conflicts > 0
    assert services.tenants.get(tenant_id).keys_used == limit
    listed, _ = services.keys.list(tenant_id, None, None, 100, None)
    assert len(listed) == limit
