"""Authorization groups' rules, on in-memory fakes of their repository."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.domain.edits import GroupEdit
from chalicelib.domain.errors import GroupInUse, GroupLimitReached, NotFound
from chalicelib.domain.groups import GroupDraft
from chalicelib.domain.keys import KeyDraft
from chalicelib.domain.records import Actor, Group
from tests.support.clock import FakeClock
from tests.support.management import Management

ADMIN = Actor(type="key", id="admin", name="Admin key")


@pytest.fixture
def world(clock: FakeClock) -> Management:
    world = Management(clock)
    world.tenants.create("acme")
    return world


def make_group(world: Management, name: str = "Workers") -> Group:
    return world.groups.create("acme", GroupDraft(name, "order sync", ("orders:read",)))


def test_a_group_in_use_cannot_be_deleted_until_its_keys_are_revoked(world: Management) -> None:
    group = make_group(world)
    issued = world.keys.create("acme", ADMIN, KeyDraft("k", "", group.group_id, None, ()))

    with pytest.raises(GroupInUse) as refused:
        world.groups.delete("acme", group.group_id)
    assert refused.value.extra == {"key_count": 1}
    assert world.groups.get("acme", group.group_id) == replace(group, key_count=1)

    world.keys.revoke("acme", issued.key.key_id, ADMIN)
    world.groups.delete("acme", group.group_id)

    with pytest.raises(NotFound):
        world.groups.get("acme", group.group_id)
    assert world.tenants.get("acme").groups_used == 0
    assert world.tables.events[-1].action == "group.deleted"


def test_a_tenant_at_its_group_limit_cannot_create_another(world: Management) -> None:
    world.tenants.set_group_limit("acme", 1)
    make_group(world)
    writes = world.tables.writes

    with pytest.raises(GroupLimitReached) as refused:
        make_group(world, "Second")

    assert refused.value.extra["limit"] == 1
    assert world.tables.writes == writes
    assert len(world.groups.list("acme")) == 1


@pytest.mark.parametrize(
    "edit",
    [GroupEdit(), GroupEdit(name="Workers"), GroupEdit(permissions=("orders:read",))],
)
def test_a_group_edit_that_changes_nothing_writes_nothing(
    world: Management, edit: GroupEdit
) -> None:
    group = make_group(world)
    writes = world.tables.writes

    assert world.groups.update("acme", group.group_id, edit) == group
    assert world.tables.writes == writes


def test_a_group_edit_audits_only_what_it_changed(world: Management, clock: FakeClock) -> None:
    group = make_group(world)
    clock.advance(minutes=1)
    edit = GroupEdit(
        name="Workers", permissions=("orders:read", "orders:write"), routes=("GET /*",)
    )

    edited = world.groups.update("acme", group.group_id, edit)

    assert world.tables.events[-1].changes == {
        "permissions": (("orders:read",), ("orders:read", "orders:write")),
        "routes": (group.routes, ("GET /*",)),
    }
    assert (edited.permissions, edited.routes, edited.updated_at) == (
        ("orders:read", "orders:write"),
        ("GET /*",),
        clock.now,
    )


def test_groups_are_listed_oldest_first(world: Management, clock: FakeClock) -> None:
    names = ["Zeta", "Alpha", "Mid"]
    for name in names:
        make_group(world, name)
        clock.advance(seconds=1)

    assert [group.name for group in world.groups.list("acme")] == names
