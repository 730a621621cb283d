"""The fakes keep storage's contract: the same calls, on DynamoDB (moto) and in memory.

The unit tests of the domain rules (tests/unit/test_*_rules.py) run on the in-memory fakes
of tests/support/fakes.py; they prove something only while the fakes answer as storage
does. Each test here runs once on each: the same refusals as the same domain errors, and
the same answers (chalicelib/domain/ports.py states the contract).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from chalicelib.domain.edits import GroupEdit, KeyEdit
from chalicelib.domain.errors import (
    Conflict,
    GroupInUse,
    GroupLimitReached,
    InvalidInput,
    KeyLimitReached,
    NotFound,
    TenantExists,
)
from chalicelib.domain.key_query import KeyFilter
from chalicelib.domain.ports import GroupRepository, KeyRepository, TenantRepository
from chalicelib.domain.records import Actor, ApiKey, ExpiryState, Group, KeyStatus, SecretHash
from chalicelib.storage.groups import GroupStore
from chalicelib.storage.keys import KeyStore
from chalicelib.storage.models import connection_for
from chalicelib.storage.tenants import TenantStore
from chalicelib.wiring.services import Services
from tests.support.clock import FakeClock
from tests.support.fakes import FakeGroups, FakeKeys, FakeTenants, Tables
from tests.support.records import make_key

OWNER = Actor(type="key", id="owner", name="Owner")


@dataclass
class Ports:
    keys: KeyRepository
    groups: GroupRepository
    tenants: TenantRepository


@pytest.fixture(params=["dynamodb", "memory"])
def ports(request: pytest.FixtureRequest) -> Iterator[Ports]:
    if request.param == "memory":
        tables = Tables()
        yield Ports(FakeKeys(tables), FakeGroups(tables), FakeTenants(tables))
        return
    services: Services = request.getfixturevalue("services")
    connection = connection_for(services.settings)
    limit = services.settings.limits.groups_per_tenant
    yield Ports(KeyStore(connection), GroupStore(connection, None, limit), TenantStore(connection))


def a_group(ports: Ports, now: datetime, group_id: str = "grp_a") -> Group:
    group = Group(group_id, "acme", f"Group {group_id}", "", ("keys:read",), ("*",), now, now)
    ports.groups.create(group)
    return group


def a_key(now: datetime, key_id: str, group_id: str = "grp_a", **fields: object) -> ApiKey:
    made: dict[str, object] = {
        "key_id": key_id,
        "name": f"Key {key_id}",
        "group_id": group_id,
        "created_by": OWNER,
        "created_at": now,
        "updated_at": now,
        "hint": f"lk_test_{key_id}...",
        "current_secret": SecretHash(key_id * 4, 1),
    }
    return make_key(**(made | fields))


@pytest.fixture
def acme(ports: Ports, clock: FakeClock) -> Ports:
    ports.tenants.create("acme", 2, clock.now)
    a_group(ports, clock.now)
    return ports


def test_a_key_over_the_tenant_limit_is_refused_with_its_usage(
    acme: Ports, clock: FakeClock
) -> None:
    for number in range(2):
        acme.keys.create(a_key(clock.now, f"k{number:015d}"), None)

    with pytest.raises(KeyLimitReached) as refused:
        acme.keys.create(a_key(clock.now, "k" * 16), None)

    assert refused.value.extra == {"used": 2, "limit": 2}
    assert acme.tenants.get("acme").keys_used == 2


def test_a_key_in_a_missing_group_is_refused_on_the_group(acme: Ports, clock: FakeClock) -> None:
    with pytest.raises(InvalidInput) as refused:
        acme.keys.create(a_key(clock.now, "k" * 16, group_id="grp_missing"), None)

    assert refused.value.extra["errors"] == [
        {"field": "group_id", "message": "no group with this id"}
    ]
    with pytest.raises(NotFound):
        acme.keys.get_in_tenant("acme", "k" * 16)


def test_another_tenants_key_is_not_found(acme: Ports, clock: FakeClock) -> None:
    acme.keys.create(a_key(clock.now, "k" * 16), None)
    with pytest.raises(NotFound):
        acme.keys.get_in_tenant("globex", "k" * 16)


def test_a_rotation_from_a_stale_read_writes_nothing(acme: Ports, clock: FakeClock) -> None:
    key = a_key(clock.now, "k" * 16)
    acme.keys.create(key, None)
    newer = SecretHash("n" * 64, 1)
    assert acme.keys.rotate(key, newer, None, None, clock.now) is True

    assert acme.keys.rotate(key, SecretHash("s" * 64, 1), None, None, clock.now) is False
    assert acme.keys.get_in_tenant("acme", key.key_id).current_secret == newer


def test_revoking_twice_revokes_once_and_frees_one_slot(acme: Ports, clock: FakeClock) -> None:
    key = a_key(clock.now, "k" * 16)
    acme.keys.create(key, None)

    assert acme.keys.revoke(key, OWNER, clock.now) is True
    assert acme.keys.revoke(key, OWNER, clock.now) is False

    assert acme.tenants.get("acme").keys_used == 0
    assert acme.groups.get("acme", "grp_a").key_count == 0
    assert acme.keys.get_in_tenant("acme", key.key_id).status is KeyStatus.REVOKED


def test_an_edit_of_a_key_moved_meanwhile_is_a_conflict(acme: Ports, clock: FakeClock) -> None:
    key = a_key(clock.now, "k" * 16)
    acme.keys.create(key, None)
    a_group(acme, clock.now, "grp_b")
    acme.keys.update(key, KeyEdit(group_id="grp_b"), clock.now)

    with pytest.raises(Conflict):
        acme.keys.update(key, KeyEdit(name="Stale"), clock.now)

    assert acme.groups.get("acme", "grp_b").key_count == 1
    assert acme.groups.get("acme", "grp_a").key_count == 0


def test_an_edit_answers_the_key_as_stored(acme: Ports, clock: FakeClock) -> None:
    key = a_key(clock.now, "k" * 16, description="nightly", ip_allowlist=("10.0.0.1",))
    acme.keys.create(key, None)
    edit = KeyEdit(name="Renamed", description=None, ip_allowlist=())

    answered = acme.keys.update(key, edit, clock.now + timedelta(minutes=1))

    assert answered == acme.keys.get_in_tenant("acme", key.key_id)
    assert (answered.name, answered.description, answered.ip_allowlist) == ("Renamed", "", ())


def test_the_list_filters_and_pages_by_expiry_with_an_expiry_filter(
    acme: Ports, clock: FakeClock
) -> None:
    acme.tenants.set_limit("acme", 10)
    made = []
    for number in range(5):
        expires = clock.now + timedelta(days=1 + 10 * (number % 2))
        key = a_key(clock.now + timedelta(seconds=number), f"k{number:015d}", expires_at=expires)
        acme.keys.create(key, None)
        made.append(key.key_id)
    soon = KeyFilter(None, ExpiryState.EXPIRING_SOON, clock.now, clock.now + timedelta(days=7))

    first, after = acme.keys.list_keys("acme", soon, 2, None)
    rest, end = acme.keys.list_keys("acme", soon, 2, after)

    # Soonest expiry first; these three expire together, so by key id.
    assert [key.key_id for key in first + rest] == [made[0], made[2], made[4]]
    assert end is None


def test_a_group_in_use_is_not_deleted(acme: Ports, clock: FakeClock) -> None:
    acme.keys.create(a_key(clock.now, "k" * 16), None)

    with pytest.raises(GroupInUse) as refused:
        acme.groups.delete("acme", "grp_a")

    assert refused.value.extra == {"key_count": 1}
    with pytest.raises(NotFound):
        acme.groups.delete("acme", "grp_missing")


def test_a_group_edit_answers_the_group_as_stored(acme: Ports, clock: FakeClock) -> None:
    edit = GroupEdit(description="ops", permissions=(), routes=("GET /v1/*",))
    answered = acme.groups.update("acme", "grp_a", edit, clock.now)

    assert answered == acme.groups.get("acme", "grp_a")
    assert (answered.description, answered.permissions, answered.routes) == (
        "ops",
        (),
        ("GET /v1/*",),
    )


def test_groups_over_the_tenant_group_limit_are_refused(acme: Ports, clock: FakeClock) -> None:
    acme.tenants.set_group_limit("acme", 1)
    with pytest.raises(GroupLimitReached) as refused:
        a_group(acme, clock.now, "grp_b")
    assert refused.value.extra["limit"] == 1


def test_tenant_names_are_unique_and_writes_need_a_tenant(ports: Ports, clock: FakeClock) -> None:
    ports.tenants.create("acme", 2, clock.now)

    with pytest.raises(TenantExists):
        ports.tenants.create("acme", 5, clock.now)
    with pytest.raises(NotFound):
        ports.tenants.set_limit("ghost", 5)
    with pytest.raises(NotFound):
        ports.tenants.get("ghost")
    assert ports.tenants.get("acme").key_limit == 2
