"""Rotations, revocations and group changes, as the authorizer sees them over time."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.authorizer.handler import Unauthorized, authorize
from chalicelib.domain.edits import GroupEdit
from chalicelib.domain.key_cache import RECHECK_SECONDS
from tests.functional.authorizer.world import (
    ALLOWED,
    OUTSIDE,
    TENANT,
    World,
    decide,
    runtime_with_monotonic,
    statement,
)
from tests.support.clock import FakeMonotonic
from tests.support.events import Shape, event_for


def test_a_rotated_keys_old_secret_works_until_its_grace_period_ends(world: World) -> None:
    runtime = world.runtime()
    old = world.token("valid")
    new = world.services.keys.rotate(TENANT, world.key("valid").key_id, timedelta(hours=1), None)
    assert decide(runtime, old)
    assert decide(runtime, new.token)
    world.clock.advance(minutes=59, seconds=59)
    assert decide(runtime, old), "one second before the grace period ends"
    world.clock.advance(seconds=1)
    with pytest.raises(Unauthorized):
        authorize(event_for(Shape.REST_REQUEST, old, ALLOWED, OUTSIDE), runtime)
    assert decide(runtime, new.token)


def test_a_rotation_without_grace_refuses_the_old_secret_once_the_key_cache_time_passed(
    world: World,
) -> None:
    monotonic = FakeMonotonic()
    runtime = runtime_with_monotonic(world, monotonic)
    old = world.token("valid")
    assert decide(runtime, old)
    new = world.services.keys.rotate(TENANT, world.key("valid").key_id, timedelta(0), None)
    monotonic.now += RECHECK_SECONDS
    assert decide(runtime, new.token), "the new secret earns a fresh read"
    monotonic.now += world.services.settings.scale.key_cache_seconds - RECHECK_SECONDS
    with pytest.raises(Unauthorized):
        authorize(event_for(Shape.REST_REQUEST, old, ALLOWED, OUTSIDE), runtime)
    assert decide(runtime, new.token)


def test_a_rotation_without_grace_refuses_the_old_secret_at_once_with_the_key_cache_off(
    world: World,
) -> None:
    runtime = world.runtime(key_cache_seconds=0)
    old = world.token("valid")
    assert decide(runtime, old)
    new = world.services.keys.rotate(TENANT, world.key("valid").key_id, timedelta(0), None)
    with pytest.raises(Unauthorized):
        authorize(event_for(Shape.REST_REQUEST, old, ALLOWED, OUTSIDE), runtime)
    assert decide(runtime, new.token)


def test_a_revoked_key_is_refused_on_the_very_next_call_with_the_key_cache_off(
    world: World,
) -> None:
    runtime = world.runtime(key_cache_seconds=0)
    assert decide(runtime, world.token("valid"))
    reads = runtime.store.reads
    world.revoke("valid")
    event = event_for(Shape.REST_REQUEST, world.token("valid"), ALLOWED, OUTSIDE)
    response = authorize(event, runtime)
    assert response["policyDocument"]["Statement"] == [
        statement("Deny", [f"{Shape.REST_REQUEST.base}/*"])
    ]
    assert runtime.store.reads == reads + 1, "the key is read again, never cached"


def test_a_revoked_key_is_refused_once_the_key_cache_time_has_passed(world: World) -> None:
    monotonic = FakeMonotonic()
    runtime = runtime_with_monotonic(world, monotonic)
    ttl = world.services.settings.scale.key_cache_seconds
    assert ttl > 0, "the default caches keys"
    assert decide(runtime, world.token("valid"))
    world.revoke("valid")
    monotonic.now += ttl - 0.001
    assert decide(runtime, world.token("valid")), "the documented bound: a warm container"
    monotonic.now += 0.001
    event = event_for(Shape.REST_REQUEST, world.token("valid"), ALLOWED, OUTSIDE)
    assert authorize(event, runtime)["policyDocument"]["Statement"] == [
        statement("Deny", [f"{Shape.REST_REQUEST.base}/*"])
    ]


def test_a_group_change_reaches_the_authorizer_only_after_the_group_cache_time(
    world: World,
) -> None:
    monotonic = FakeMonotonic()
    runtime = runtime_with_monotonic(world, monotonic)
    token, ttl = world.token("valid"), world.services.settings.scale.group_cache_seconds
    assert decide(runtime, token, ALLOWED)
    changes = GroupEdit(routes=("POST /orders",), permissions=("orders:write",))
    world.services.groups.update(TENANT, world.group.group_id, changes)

    monotonic.now += ttl - 0.001
    assert decide(runtime, token, ALLOWED), "the cached group still rules"
    event = event_for(Shape.REST_REQUEST, token, ALLOWED, OUTSIDE)
    assert authorize(event, runtime)["context"]["permissions"] == "orders:read,orders:write"

    monotonic.now += 0.001
    assert not decide(runtime, token, ALLOWED), "the group is read again after the TTL"
    assert decide(runtime, token, ("POST", "/orders"))
    assert authorize(event, runtime)["context"]["permissions"] == "orders:write"
