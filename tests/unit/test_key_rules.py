"""The key lifecycle's rules, on in-memory fakes of its repository (no AWS, no moto)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from chalicelib.domain.edits import KeyEdit
from chalicelib.domain.errors import (
    Conflict,
    InvalidInput,
    KeyExpired,
    KeyLimitReached,
    KeyRevoked,
)
from chalicelib.domain.groups import GroupDraft
from chalicelib.domain.keys import Issued, KeyDraft
from chalicelib.domain.ports import NewExpiry
from chalicelib.domain.records import Actor, ApiKey, AuditEvent, Claim, KeyStatus, SecretHash
from tests.support.clock import FakeClock
from tests.support.fakes import FakeKeys
from tests.support.management import Management

ADMIN = Actor(type="key", id="admin", name="Admin key")
DAY = timedelta(days=1)


@pytest.fixture
def world(clock: FakeClock) -> Management:
    world = Management(clock)
    world.tenants.create("acme", key_limit=3)
    return world


def group_of(world: Management, name: str = "Workers") -> str:
    return world.groups.create("acme", GroupDraft(name, "", ("keys:read",))).group_id


def issue(world: Management, group_id: str, expires_at: datetime | None = None) -> Issued:
    draft = KeyDraft("Billing worker", "", group_id, expires_at, ())
    return world.keys.create("acme", ADMIN, draft)


def field_of(error: InvalidInput) -> str:
    errors = error.extra["errors"]
    assert isinstance(errors, list)
    return str(errors[0]["field"])


# --- create -----------------------------------------------------------------------------


def test_create_counts_the_key_against_its_tenant_and_its_group(world: Management) -> None:
    group_id = group_of(world)
    issued = issue(world, group_id)

    assert world.tenants.get("acme").keys_used == 1
    assert world.groups.get("acme", group_id).key_count == 1
    assert world.keys.get("acme", issued.key.key_id).status is KeyStatus.ACTIVE
    created = world.tables.events[-1]
    assert created.action == "key.created"
    assert created.changes == {
        "name": (None, "Billing worker"),
        "description": (None, ""),
        "group_id": (None, group_id),
        "expires_at": (None, None),
        "ip_allowlist": (None, ()),
    }


def test_create_at_the_tenant_limit_is_refused_and_writes_nothing(world: Management) -> None:
    group_id = group_of(world)
    world.tenants.set_limit("acme", 1)
    issue(world, group_id)
    writes = world.tables.writes

    with pytest.raises(KeyLimitReached) as refused:
        issue(world, group_id)

    assert refused.value.extra == {"used": 1, "limit": 1}
    assert world.tables.writes == writes
    assert len(world.tables.keys) == 1


@pytest.mark.parametrize("offset", [timedelta(0), -timedelta(seconds=1), -DAY])
def test_create_with_an_expiry_not_in_the_future_is_refused(
    world: Management, clock: FakeClock, offset: timedelta
) -> None:
    group_id = group_of(world)
    writes = world.tables.writes

    with pytest.raises(InvalidInput) as refused:
        issue(world, group_id, clock.now + offset)

    assert field_of(refused.value) == "expires_at"
    assert world.tables.writes == writes
    assert world.tenants.get("acme").keys_used == 0


def test_create_in_a_group_the_tenant_does_not_have_is_refused(world: Management) -> None:
    with pytest.raises(InvalidInput) as refused:
        issue(world, "grp_missing")

    assert field_of(refused.value) == "group_id"
    assert world.tables.keys == {}
    assert world.tenants.get("acme").keys_used == 0


def test_a_new_key_enters_the_sweep_at_its_largest_warning_threshold(
    world: Management, clock: FakeClock
) -> None:
    expires_at = clock.now + 60 * DAY
    with_expiry = issue(world, group_of(world), expires_at)
    without = issue(world, group_of(world, "Others"))

    assert world.tables.sweep_due[with_expiry.key.key_id] == expires_at - 30 * DAY
    assert world.tables.sweep_due[without.key.key_id] is None


def test_the_secret_is_in_the_answer_and_nowhere_in_what_was_stored(world: Management) -> None:
    issued = issue(world, group_of(world))
    secret = issued.token.rsplit("_", 1)[-1]

    assert secret in issued.token
    stored = repr(world.tables.keys) + repr(world.tables.events)
    assert secret not in stored


# --- rotate -----------------------------------------------------------------------------


@pytest.mark.parametrize("seconds", [0, 1, 86400])
def test_rotate_accepts_a_grace_period_of_0_to_86400_seconds(
    world: Management, clock: FakeClock, seconds: int
) -> None:
    issued = issue(world, group_of(world))
    grace = timedelta(seconds=seconds)

    rotated = world.keys.rotate("acme", issued.key.key_id, grace, None)

    stored = world.keys.get("acme", issued.key.key_id)
    assert rotated.token != issued.token
    assert stored.current_secret != issued.key.current_secret
    if seconds == 0:
        assert stored.previous_secret is None
    else:
        assert stored.previous_secret == replace(
            issued.key.current_secret, valid_until=clock.now + grace
        )
    assert rotated.key == stored


@pytest.mark.parametrize("seconds", [-1, 86401])
def test_rotate_refuses_a_grace_period_outside_0_to_86400_seconds(
    world: Management, seconds: int
) -> None:
    issued = issue(world, group_of(world))
    writes = world.tables.writes

    with pytest.raises(InvalidInput) as refused:
        world.keys.rotate("acme", issued.key.key_id, timedelta(seconds=seconds), None)

    assert field_of(refused.value) == "grace_period_seconds"
    assert world.tables.writes == writes


def test_a_revoked_key_cannot_be_rotated(world: Management) -> None:
    issued = issue(world, group_of(world))
    world.keys.revoke("acme", issued.key.key_id, ADMIN)

    with pytest.raises(KeyRevoked):
        world.keys.rotate("acme", issued.key.key_id, timedelta(0), None)


def test_an_expired_key_cannot_be_rotated(world: Management, clock: FakeClock) -> None:
    issued = issue(world, group_of(world), clock.now + DAY)
    clock.advance(days=1)  # the expiry instant itself counts as expired

    with pytest.raises(KeyExpired):
        world.keys.rotate("acme", issued.key.key_id, timedelta(0), None)


def test_rotate_to_a_new_expiry_restarts_its_sweep_and_records_it(
    world: Management, clock: FakeClock
) -> None:
    issued = issue(world, group_of(world), clock.now + 2 * DAY)
    new_expiry = clock.now + 90 * DAY

    world.keys.rotate("acme", issued.key.key_id, timedelta(0), new_expiry)

    assert world.keys.get("acme", issued.key.key_id).expires_at == new_expiry
    assert world.tables.sweep_due[issued.key.key_id] == new_expiry - 30 * DAY
    event = world.tables.events[-1]
    assert event.action == "key.rotated"
    assert event.changes["expires_at"] == (clock.now + 2 * DAY, new_expiry)


def test_rotate_to_an_expiry_in_the_past_is_refused(world: Management, clock: FakeClock) -> None:
    issued = issue(world, group_of(world))

    with pytest.raises(InvalidInput) as refused:
        world.keys.rotate("acme", issued.key.key_id, timedelta(0), clock.now - DAY)

    assert field_of(refused.value) == "expires_at"
    assert world.keys.get("acme", issued.key.key_id) == issued.key


class RacingKeys(FakeKeys):
    """Another writer changes the key between the service's read and its rotation."""

    meanwhile = "rotation"

    def rotate(
        self,
        key: ApiKey,
        current: SecretHash,
        previous: SecretHash | None,
        expiry: NewExpiry | None,
        now: datetime,
        event: AuditEvent | None = None,
        claim: Claim | None = None,
    ) -> bool:
        if self.meanwhile == "rotation":
            other = SecretHash("f" * 64, 1)
            assert super().rotate(key, other, None, None, now)
        else:
            assert super().revoke(key, ADMIN, now)
        return super().rotate(key, current, previous, expiry, now, event, claim)


@pytest.mark.parametrize(
    ("meanwhile", "error"), [("rotation", Conflict), ("revocation", KeyRevoked)]
)
def test_a_rotation_that_loses_a_race_says_why_and_issues_nothing(
    clock: FakeClock, meanwhile: str, error: type[Exception]
) -> None:
    world = Management(clock, key_store_type=RacingKeys)
    world.tenants.create("acme")
    issued = issue(world, group_of(world))
    assert isinstance(world.key_store, RacingKeys)
    world.key_store.meanwhile = meanwhile
    events = len(world.tables.events)

    with pytest.raises(error):
        world.keys.rotate("acme", issued.key.key_id, timedelta(hours=1), None)

    assert len(world.tables.events) == events  # only the winner's write, with no event


# --- revoke -----------------------------------------------------------------------------


def test_revoke_frees_the_tenant_slot_and_the_group_count(world: Management) -> None:
    group_id = group_of(world)
    issued = issue(world, group_id)

    revoked = world.keys.revoke("acme", issued.key.key_id, ADMIN)

    assert revoked.status is KeyStatus.REVOKED
    assert revoked.revoked_by == ADMIN
    assert world.tenants.get("acme").keys_used == 0
    assert world.groups.get("acme", group_id).key_count == 0
    assert revoked == world.keys.get("acme", issued.key.key_id)


def test_revoking_a_revoked_key_changes_nothing(world: Management, clock: FakeClock) -> None:
    issued = issue(world, group_of(world))
    first = world.keys.revoke("acme", issued.key.key_id, ADMIN)
    writes = world.tables.writes
    clock.advance(hours=1)

    again = world.keys.revoke("acme", issued.key.key_id, ADMIN)

    assert again == first
    assert world.tables.writes == writes
    assert [event.action for event in world.tables.events].count("key.revoked") == 1


def test_a_revoked_key_cannot_be_edited(world: Management) -> None:
    issued = issue(world, group_of(world))
    world.keys.revoke("acme", issued.key.key_id, ADMIN)

    with pytest.raises(KeyRevoked):
        world.keys.update("acme", issued.key.key_id, KeyEdit(name="Renamed"))


# --- update -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "edit", [KeyEdit(), KeyEdit(name="Billing worker"), KeyEdit(description="", ip_allowlist=())]
)
def test_an_edit_that_changes_nothing_writes_nothing(world: Management, edit: KeyEdit) -> None:
    issued = issue(world, group_of(world))
    writes, events = world.tables.writes, len(world.tables.events)

    assert world.keys.update("acme", issued.key.key_id, edit) == issued.key

    assert (world.tables.writes, len(world.tables.events)) == (writes, events)


def test_an_edit_audits_only_the_fields_it_changed(world: Management, clock: FakeClock) -> None:
    issued = issue(world, group_of(world))
    clock.advance(minutes=5)

    edited = world.keys.update(
        "acme",
        issued.key.key_id,
        KeyEdit(name="ERP v2", description="", ip_allowlist=("10.0.0.1",)),
    )

    event = world.tables.events[-1]
    assert event.action == "key.updated"
    assert event.changes == {
        "name": ("Billing worker", "ERP v2"),
        "ip_allowlist": ((), ("10.0.0.1",)),
    }
    assert (edited.name, edited.ip_allowlist, edited.updated_at) == (
        "ERP v2",
        ("10.0.0.1",),
        clock.now,
    )
    assert edited == world.keys.get("acme", issued.key.key_id)


def test_a_cleared_description_reads_back_empty(world: Management) -> None:
    group_id = group_of(world)
    draft = KeyDraft("Billing worker", "nightly", group_id, None, ())
    issued = world.keys.create("acme", ADMIN, draft)

    edited = world.keys.update("acme", issued.key.key_id, KeyEdit(description=None))

    assert edited.description == ""
    assert world.tables.events[-1].changes == {"description": ("nightly", None)}


def test_moving_a_key_moves_its_group_count(world: Management) -> None:
    first, second = group_of(world), group_of(world, "Others")
    issued = issue(world, first)

    world.keys.update("acme", issued.key.key_id, KeyEdit(group_id=second))

    assert world.groups.get("acme", first).key_count == 0
    assert world.groups.get("acme", second).key_count == 1


def test_moving_a_key_to_a_group_that_does_not_exist_is_refused(world: Management) -> None:
    issued = issue(world, group_of(world))
    writes = world.tables.writes

    with pytest.raises(InvalidInput) as refused:
        world.keys.update("acme", issued.key.key_id, KeyEdit(group_id="grp_missing"))

    assert field_of(refused.value) == "group_id"
    assert world.tables.writes == writes
    assert world.keys.get("acme", issued.key.key_id) == issued.key
