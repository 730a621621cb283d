"""What a decision costs in database calls, and how usage is written behind."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from chalicelib.authorizer.handler import Unauthorized, authorize
from chalicelib.domain.key_format import format_token, new_key_id, new_secret
from tests.functional.authorizer.world import (
    ALLOWED,
    OUTSIDE,
    World,
    damaged,
    decide,
    runtime_with_monotonic,
)
from tests.support.clock import FakeMonotonic
from tests.support.events import Shape, event_for


def test_a_missing_or_malformed_key_costs_no_database_call(world: World) -> None:
    for shape in Shape:
        runtime = world.runtime(shape)
        for token in (None, "", "lk_test_not-a-key", damaged(world.token("valid"))):
            with pytest.raises(Unauthorized):
                authorize(event_for(shape, token, ALLOWED, OUTSIDE), runtime)
        assert (runtime.store.reads, runtime.store.writes) == (0, 0), shape


def test_a_valid_key_costs_one_read_once_its_group_is_cached_with_the_key_cache_off(
    world: World,
) -> None:
    runtime = world.runtime(key_cache_seconds=0)
    assert decide(runtime, world.token("valid"))
    assert runtime.store.reads == 2, "the first call reads the key and its group"
    for call in range(1, 11):
        assert decide(runtime, world.token("valid"))
        assert runtime.store.reads == 2 + call, "then one read per decision"


def test_a_busy_key_costs_one_read_per_key_cache_time(world: World) -> None:
    monotonic = FakeMonotonic()
    runtime = runtime_with_monotonic(world, monotonic)
    ttl = world.services.settings.scale.key_cache_seconds
    for _ in range(1000):  # 1,000 decisions inside one key-cache period
        assert decide(runtime, world.token("valid"))
        monotonic.now += ttl / 1000 * 0.999
    assert runtime.store.reads == 2, "the key and its group, once"
    monotonic.now += ttl
    assert decide(runtime, world.token("valid"))
    assert runtime.store.reads == 3, "the key again; the group is cached for longer"


def test_a_refused_key_costs_one_read_and_never_its_group(world: World) -> None:
    # A frozen monotonic clock: a refused secret's recheck (a fresh read of a cached record
    # over a second old) never comes into it, however slow the machine.
    runtime = runtime_with_monotonic(world, FakeMonotonic())
    refused = [
        format_token("lk_test", new_key_id(), new_secret()),
        format_token("lk_test", world.key("valid").key_id, new_secret()),
        world.token("revoked"),
        world.token("expired"),
        world.token("allowlisted"),
    ]
    for count, token in enumerate(refused, start=1):
        assert not decide(runtime, token)
        assert runtime.store.reads == count


def usage_row(world: World, key_id: str) -> dict[str, Any]:
    client = boto3.client("dynamodb", region_name=world.services.settings.region)
    key = {"key_id": {"S": key_id}, "day": {"S": world.clock.now.date().isoformat()}}
    item = client.get_item(TableName=world.services.settings.dynamodb.usage_table, Key=key)["Item"]
    return {name: int(item[name]["N"]) for name in ("allowed", "denied")}


def test_usage_is_written_once_per_key_per_flush_interval(world: World) -> None:
    runtime = world.runtime()
    key_id, interval = world.key("valid").key_id, world.services.settings.scale.usage_flush_seconds
    for _ in range(100):  # 100 decisions in 49.5 s, inside one interval
        assert decide(runtime, world.token("valid"))
        world.clock.advance(seconds=0.5)
    # One flush (the first decision is due at once): the usage row, a shard of the
    # tenant's day total, and last_used_at.
    assert runtime.store.writes == 3
    assert usage_row(world, key_id) == {"allowed": 1, "denied": 0}

    world.clock.advance(seconds=interval)
    assert decide(runtime, world.token("valid"))
    assert runtime.store.writes == 6
    assert usage_row(world, key_id) == {"allowed": 101, "denied": 0}
