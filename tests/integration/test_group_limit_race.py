"""The group limit under real concurrency, on DynamoDB Local.

The tenant's ``groups_used`` moves inside each group's create or delete transaction, under
a condition on the limit: N creates released at once against a limit of L make exactly L
groups, and creates racing deletes never leave the count apart from the groups stored.
"""

from __future__ import annotations

import uuid

import pytest

from chalicelib.config.settings import Settings
from chalicelib.domain.errors import Conflict, GroupLimitReached
from chalicelib.domain.groups import GroupDraft
from chalicelib.domain.records import Group
from chalicelib.wiring.services import Services, build_services
from tests.conftest import Counters
from tests.integration.test_races import at_once


@pytest.fixture
def services(local_settings: Settings) -> Services:
    return build_services(local_settings)


def new_tenant(services: Services, group_limit: int) -> str:
    tenant_id = f"t-{uuid.uuid4().hex[:10]}"
    services.tenants.create(tenant_id, 5, group_limit=group_limit)
    return tenant_id


def test_twenty_concurrent_group_creates_against_a_limit_of_five_create_exactly_five(
    services: Services, reliability: Counters
) -> None:
    tenant_id = new_tenant(services, group_limit=5)
    create = lambda: services.groups.create(tenant_id, GroupDraft("Racer", "", ()))  # noqa: E731
    results = at_once(*[create] * 20)
    reliability.races += 1
    made = [result for result in results if isinstance(result, Group)]
    refused = [result for result in results if isinstance(result, GroupLimitReached)]
    assert (len(made), len(refused)) == (5, 15), results
    assert len(services.groups.list(tenant_id)) == 5
    assert services.tenants.get(tenant_id).groups_used == 5


@pytest.mark.parametrize("round_", range(5))
def test_creates_racing_deletes_keep_the_count_equal_to_the_groups(
    services: Services, reliability: Counters, round_: int
) -> None:
    tenant_id = new_tenant(services, group_limit=4)
    existing = [services.groups.create(tenant_id, GroupDraft(f"Old {n}", "", ())) for n in range(4)]
    deletes = [
        lambda group_id=group.group_id: services.groups.delete(tenant_id, group_id)
        for group in existing[:3]
    ]
    creates = [
        lambda n=n: services.groups.create(tenant_id, GroupDraft(f"New {n}", "", ()))
        for n in range(6)
    ]
    results = at_once(*deletes, *creates)
    reliability.races += 1
    unexpected = [
        result
        for result in results
        if isinstance(result, Exception) and not isinstance(result, GroupLimitReached | Conflict)
    ]
    assert not unexpected, unexpected
    stored = services.groups.list(tenant_id)
    assert services.tenants.get(tenant_id).groups_used == len(stored)
    assert len(stored) <= 4
