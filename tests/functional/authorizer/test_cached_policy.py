"""A policy API Gateway caches decides every route as a fresh decision would."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from itertools import product

import pytest

from chalicelib.authorizer.handler import authorize
from tests.functional.authorizer.world import (
    ALLOWLIST,
    INSIDE,
    ORDERS,
    OUTSIDE,
    World,
    decide_or_raise,
)
from tests.support.events import Shape, event_for
from tests.support.iam import iam_allows, iam_wildcard_match

PROPERTY_SHAPES = (Shape.REST_REQUEST, Shape.TOKEN, Shape.HTTP_IAM)
GROUPS = {
    "everything": ("* /*",),
    "orders": ORDERS,
    "admin": ("* /admin", "GET /"),
    "mixed": ("GET /orders/*", "* /admin", "POST /orders", "GET /"),
}
ROUTES = [
    ("GET", "/"),
    ("POST", "/"),
    ("HEAD", "/"),
    ("GET", "/orders"),
    ("GET", "/orders/"),
    ("GET", "/orders/7"),
    ("GET", "/orders/7/items"),
    ("POST", "/orders"),
    ("POST", "/orders/7"),
    ("PUT", "/orders"),
    ("DELETE", "/orders/7"),
    ("GET", "/ordersx"),
    ("GET", "/admin"),
    ("DELETE", "/admin"),
    ("OPTIONS", "/admin"),
    ("GET", "/admin/users"),
    ("PATCH", "/x/admin"),
    ("GET", "/x/orders/7"),
]


@dataclass(frozen=True)
class Holder:
    """A key as the property sees it: its group, whether it may pass at all, and from where."""

    name: str
    group: str
    usable: bool = True
    source: str = OUTSIDE
    fenced: bool = False

    def passes(self, shape: Shape, route: tuple[str, str]) -> bool:
        """The expected decision, from the key's state and the group's patterns."""
        if not self.usable or (self.fenced and shape is Shape.TOKEN):
            return False
        text = f"{route[0]} {route[1]}"  # methods hold no space, so "*" cannot cross it
        return any(iam_wildcard_match(pattern, text) for pattern in GROUPS[self.group])


HOLDERS = [
    *(Holder(f"{group} key", group) for group in GROUPS),
    Holder("revoked", "mixed", usable=False),
    Holder("expired", "mixed", usable=False),
    Holder("fenced, inside", "mixed", source=INSIDE, fenced=True),
    Holder("fenced, outside", "mixed", usable=False, source=OUTSIDE, fenced=True),
]


@pytest.fixture
def holders(world: World) -> dict[str, str]:
    """A token for each holder."""
    groups = {name: world.add_group(name, routes) for name, routes in GROUPS.items()}
    for holder in HOLDERS:
        expires = world.clock.now + timedelta(hours=1) if holder.name == "expired" else None
        fence = ALLOWLIST if holder.fenced else ()
        world.add_key(holder.name, groups[holder.group], expires, fence)
    world.revoke("revoked")
    world.clock.advance(hours=2)
    return {holder.name: world.token(holder.name) for holder in HOLDERS}


def test_every_cached_policy_decides_every_route_as_a_fresh_decision_would(
    world: World, holders: dict[str, str]
) -> None:
    for shape, holder in product(PROPERTY_SHAPES, HOLDERS):
        runtime = world.warm_runtime(shape)
        policies = {
            route: authorize(event_for(shape, holders[holder.name], route, holder.source), runtime)
            for route in ROUTES
        }
        fresh = {route: iam_allows(policies[route], shape.method_arn(*route)) for route in ROUTES}
        for route in ROUTES:
            assert fresh[route] is holder.passes(shape, route), (shape, holder.name, route)
        for route_a, route_b in product(ROUTES, ROUTES):
            cached = iam_allows(policies[route_a], shape.method_arn(*route_b))
            assert cached is fresh[route_b], (shape, holder.name, route_a, route_b)


def test_a_colon_in_the_path_never_widens_a_keys_routes(world: World) -> None:
    route = ("GET", "/admin/x:y/z/GET/orders/1")
    response = authorize(
        event_for(Shape.REST_REQUEST, world.token("valid"), route, OUTSIDE), world.runtime()
    )
    assert not iam_allows(response, Shape.REST_REQUEST.method_arn(*route))


def test_a_colon_in_a_permitted_path_is_still_permitted(world: World) -> None:
    route = ("GET", "/orders/2026-11-24T12:00:00Z")
    assert decide_or_raise(world.runtime(), world.token("valid"), route)
