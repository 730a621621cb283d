"""Tenants' rules (what the operator CLI does), on in-memory fakes of the repositories."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import InvalidInput, NotFound, TenantExists
from chalicelib.domain.groups import MANAGE
from chalicelib.domain.records import LeakPolicy
from chalicelib.domain.tenants import ADMIN_GROUP, MAX_GROUP_LIMIT
from tests.support.clock import FakeClock
from tests.support.management import Management


@pytest.fixture
def world(clock: FakeClock) -> Management:
    return Management(clock, default_key_limit=25)


def test_a_new_tenant_gets_the_default_key_limit_and_nothing_used(world: Management) -> None:
    tenant = world.tenants.create("acme")

    assert (tenant.key_limit, tenant.keys_used, tenant.group_limit) == (25, 0, None)
    assert world.tables.events[-1].changes == {"key_limit": (None, 25)}


@pytest.mark.parametrize("name", ["A", "a", "Acme", "-acme", "acme_corp", "a" * 64])
def test_a_tenant_name_that_is_not_2_to_63_safe_characters_is_refused(
    world: Management, name: str
) -> None:
    with pytest.raises(InvalidInput):
        world.tenants.create(name)
    assert world.tables.writes == 0


@pytest.mark.parametrize("limit", [-1, 100_001])
def test_a_key_limit_outside_0_to_100000_is_refused(world: Management, limit: int) -> None:
    with pytest.raises(InvalidInput):
        world.tenants.create("acme", key_limit=limit)
    world.tenants.create("acme")
    with pytest.raises(InvalidInput):
        world.tenants.set_limit("acme", limit)
    assert world.tenants.get("acme").key_limit == 25


@pytest.mark.parametrize("limit", [-1, MAX_GROUP_LIMIT + 1])
def test_a_group_limit_outside_0_to_the_maximum_is_refused(world: Management, limit: int) -> None:
    with pytest.raises(InvalidInput):
        world.tenants.create("acme", group_limit=limit)
    assert world.tables.writes == 0


@pytest.mark.parametrize("limit", [0, 100_000])
def test_the_key_limit_bounds_themselves_are_accepted(world: Management, limit: int) -> None:
    assert world.tenants.create("acme", key_limit=limit).key_limit == limit


def test_a_taken_tenant_name_is_refused(world: Management) -> None:
    world.tenants.create("acme")
    with pytest.raises(TenantExists):
        world.tenants.create("acme", key_limit=3)
    assert world.tenants.get("acme").key_limit == 25


def test_changing_a_limit_audits_before_and_after(world: Management) -> None:
    world.tenants.create("acme")

    assert world.tenants.set_limit("acme", 40).key_limit == 40

    event = world.tables.events[-1]
    assert (event.action, event.changes) == ("tenant.limit_changed", {"key_limit": (25, 40)})


def test_a_limit_of_a_tenant_that_does_not_exist_is_not_found(world: Management) -> None:
    with pytest.raises(NotFound):
        world.tenants.set_limit("ghost", 5)


def test_setting_the_leak_policy_it_already_has_writes_nothing(world: Management) -> None:
    world.tenants.create("acme")
    writes = world.tables.writes

    assert world.tenants.set_leak_policy("acme", LeakPolicy.REVOKE).leak_policy is LeakPolicy.REVOKE
    assert world.tables.writes == writes

    assert world.tenants.set_leak_policy("acme", LeakPolicy.NOTIFY).leak_policy is LeakPolicy.NOTIFY
    assert world.tenants.get("acme").leak_policy is LeakPolicy.NOTIFY


def test_bootstrap_twice_reuses_the_tenant_and_its_admin_group(world: Management) -> None:
    first = world.tenants.bootstrap("acme")
    second = world.tenants.bootstrap("acme")

    assert (first.tenant_created, second.tenant_created) == (True, False)
    assert first.group_id == second.group_id
    (group,) = world.groups.list("acme")
    assert (group.name, group.permissions) == (ADMIN_GROUP, (MANAGE,))
    assert first.issued.key.key_id != second.issued.key.key_id
    assert world.tenants.get("acme").keys_used == 2
