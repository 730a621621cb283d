"""Where the key and the caller's address come from, in every event shape."""

from __future__ import annotations

import ipaddress
from itertools import product
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.authorizer.handler import authorize
from tests.functional.authorizer.world import (
    ALLOWED,
    ALLOWLIST,
    INSIDE,
    OUTSIDE,
    World,
    allowed_context,
    statement,
)
from tests.support.events import Shape, event_for, http_event, rest_request_event
from tests.support.examples import THROUGH_THE_APP
from tests.support.iam import iam_allows


def test_the_key_header_is_found_in_any_case_and_in_multi_value_headers(world: World) -> None:
    runtime, arn = world.runtime(), Shape.REST_REQUEST.method_arn(*ALLOWED)
    for name in ("x-api-key", "X-API-KEY", "X-Api-Key", "x-API-key"):
        event = rest_request_event(world.token("valid"), *ALLOWED, OUTSIDE, header=name)
        assert iam_allows(authorize(event, runtime), arn), name
        multi = rest_request_event(
            world.token("valid"), *ALLOWED, OUTSIDE, header=name, multi_value_only=True
        )
        assert name not in multi["headers"]
        assert iam_allows(authorize(multi, runtime), arn), f"{name} in multiValueHeaders"


def test_a_token_event_can_never_satisfy_an_ip_allowlist(world: World) -> None:
    event = event_for(Shape.TOKEN, world.token("allowlisted"), ALLOWED, INSIDE)
    response = authorize(event, world.runtime(Shape.TOKEN))
    assert response["principalId"] == world.key("allowlisted").key_id
    assert response["policyDocument"]["Statement"] == [statement("Deny", [f"{Shape.TOKEN.base}/*"])]


ADDRESS_SHAPES = (Shape.REST_REQUEST, Shape.HTTP_IAM, Shape.HTTP_SIMPLE)
SPOOFED = (INSIDE, f"{INSIDE}, {OUTSIDE}", f"{OUTSIDE}, {INSIDE}")


def allowed_in(shape: Shape, response: dict[str, Any]) -> bool:
    if shape is Shape.HTTP_SIMPLE:
        return bool(response["isAuthorized"])
    return iam_allows(response, shape.method_arn(*ALLOWED))


def test_a_spoofed_forwarded_for_header_cannot_open_an_allowlist(world: World) -> None:
    for shape, forwarded in product(ADDRESS_SHAPES, SPOOFED):
        headers = {"X-Forwarded-For": forwarded, "X-Real-IP": INSIDE}
        event = event_for(shape, world.token("allowlisted"), ALLOWED, OUTSIDE, headers)
        allowed = allowed_in(shape, authorize(event, world.warm_runtime(shape)))
        assert not allowed, (shape, forwarded)


def test_a_forwarded_for_header_outside_the_allowlist_does_not_close_it(world: World) -> None:
    for shape in ADDRESS_SHAPES:
        headers = {"X-Forwarded-For": OUTSIDE}
        event = event_for(shape, world.token("allowlisted"), ALLOWED, INSIDE, headers)
        assert allowed_in(shape, authorize(event, world.warm_runtime(shape))), shape


def address_oracle(source: str) -> bool:
    address = ipaddress.ip_address(source)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(
        address.version == network.version and address in network
        for network in map(ipaddress.ip_network, ALLOWLIST)
    )


near_allowlist = st.one_of(
    st.ip_addresses(network="10.0.0.0/7"),  # half inside 10.0.0.0/8
    st.ip_addresses(network="2001:db8::/31"),  # half inside 2001:db8::/32
    st.ip_addresses(network="::ffff:10.0.0.0/103"),  # IPv4-mapped, half inside
    st.ip_addresses(),
)


@THROUGH_THE_APP  # the world is read-only
@given(source=near_allowlist.map(str))
def test_the_allowlist_agrees_with_the_ipaddress_oracle_in_every_address_shape(
    world: World, source: str
) -> None:
    for shape in ADDRESS_SHAPES:
        event = event_for(shape, world.token("allowlisted"), ALLOWED, source)
        allowed = allowed_in(shape, authorize(event, world.warm_runtime(shape)))
        assert allowed is address_oracle(source), (shape, source)


def test_http_api_events_read_the_lower_case_header_and_the_http_source(world: World) -> None:
    event = http_event(world.token("allowlisted"), *ALLOWED, INSIDE)
    assert event["headers"]["x-api-key"] == world.token("allowlisted")
    response = authorize(event, world.runtime(Shape.HTTP_SIMPLE))
    assert response == {
        "isAuthorized": True,
        "context": allowed_context(world.key("allowlisted"), world.group),
    }
