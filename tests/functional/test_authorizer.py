"""The Lambda authorizer end to end, over moto: every event shape, every outcome.

Events are the AWS SAM samples (REST TOKEN and REQUEST) and an HTTP API payload 2.0 event
as AWS documents it (tests/support/events.py builds them). Policies are judged
by an independent IAM evaluator, so "allowed" means what API Gateway would let through.
What moto cannot show: API Gateway's own caching and 401/403 mapping, which these tests
stand in for by evaluating each returned policy against other routes.
"""

from __future__ import annotations

import ipaddress
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import Enum
from itertools import product
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.authorizer.handler import Unauthorized, authorize
from chalicelib.authorizer.policy import not_canonical_resources
from chalicelib.authorizer.runtime import Runtime, build_runtime
from chalicelib.container import Services
from chalicelib.domain.edits import GroupEdit
from chalicelib.domain.groups import GroupDraft
from chalicelib.domain.key_cache import RECHECK_SECONDS
from chalicelib.domain.keys import Issued, KeyDraft
from chalicelib.domain.records import ApiKey, Group
from chalicelib.domain.tenants import OPERATOR
from chalicelib.peppers import SsmPeppers, ssm_client
from chalicelib.tokens import TokenFormat, format_token, new_key_id, new_secret
from tests.conftest import FakeClock
from tests.support.events import Shape, event_for, http_event, rest_request_event
from tests.support.iam import explicitly_denies, iam_allows, iam_wildcard_match

TENANT = "acme"
INSIDE = "10.1.2.3"  # in ALLOWLIST
OUTSIDE = "203.0.113.9"  # in no allowlist
ALLOWLIST = ("10.0.0.0/8", "2001:db8::/32")
ORDERS = ("GET /orders/*", "POST /orders")
PERMISSIONS = ("orders:read", "orders:write")
ALLOWED = ("GET", "/orders/7")
FORBIDDEN = ("DELETE", "/orders/7")


def secret_of(token: str | None) -> str | None:
    """The 43-character secret of a well-formed token (None for anything else)."""
    parsed = TokenFormat("lk_test").parse(token)
    return None if parsed is None else parsed.secret


@dataclass
class World:
    """A tenant with one group and a key in each state, over moto."""

    services: Services
    clock: FakeClock
    group: Group
    issued: dict[str, Issued] = field(default_factory=dict)
    warm: dict[Shape, Runtime] = field(default_factory=dict)

    def key(self, name: str) -> ApiKey:
        return self.issued[name].key

    def token(self, name: str) -> str:
        return self.issued[name].token

    def runtime(
        self, shape: Shape = Shape.REST_REQUEST, key_cache_seconds: float | None = None
    ) -> Runtime:
        """A fresh container's runtime; simple responses when ``shape`` asks for them, and
        the key cache's time when given (0 turns it off)."""
        settings = replace(self.services.settings, simple_responses=shape is Shape.HTTP_SIMPLE)
        if key_cache_seconds is not None:
            settings = replace(settings, key_cache_seconds=key_cache_seconds)
        return build_runtime(settings, self.clock)

    def warm_runtime(self, shape: Shape) -> Runtime:
        """One runtime per shape, kept like a warm container's (botocore clients are slow
        to build, and a warm container is what most requests meet)."""
        if shape not in self.warm:
            self.warm[shape] = self.runtime(shape)
        return self.warm[shape]

    def add_group(self, name: str, routes: tuple[str, ...]) -> Group:
        draft = GroupDraft(name, "", PERMISSIONS, routes)
        return self.services.groups.create(TENANT, draft)

    def add_key(
        self,
        name: str,
        group: Group | None = None,
        expires_at: datetime | None = None,
        ip_allowlist: tuple[str, ...] = (),
    ) -> Issued:
        group_id = (group or self.group).group_id
        draft = KeyDraft(name, "", group_id, expires_at, ip_allowlist)
        self.issued[name] = self.services.keys.create(TENANT, OPERATOR, draft)
        return self.issued[name]

    def revoke(self, name: str) -> None:
        self.services.keys.revoke(TENANT, self.key(name).key_id, OPERATOR)

    def secrets(self) -> list[str]:
        return [secret for issued in self.issued.values() if (secret := secret_of(issued.token))]


@pytest.fixture
def world(services: Services, clock: FakeClock) -> World:
    services.tenants.create(TENANT, key_limit=100)
    made = World(
        services,
        clock,
        services.groups.create(TENANT, GroupDraft("Orders", "", PERMISSIONS, ORDERS)),
    )
    made.add_key("valid")
    made.add_key("allowlisted", ip_allowlist=ALLOWLIST)
    made.add_key("revoked")
    made.add_key("expired", expires_at=clock.now + timedelta(hours=1))
    made.revoke("revoked")
    clock.advance(hours=2)
    return made


# --- the matrix: every outcome in every shape --------------------------------------------


class Expect(Enum):
    ALLOW = "Allow: exactly the group's routes"
    DENY_ALL = "explicit Deny of every route"
    DENY_ROUTE = "explicit Deny of this route, the group's routes still allowed"
    UNAUTHORIZED = "raise Unauthorized"


@dataclass(frozen=True)
class Case:
    """One outcome: the token presented, from where, for which route, and the answer."""

    name: str
    token: Callable[[World], str | None]
    expect: Expect
    key: str | None = None
    route: tuple[str, str] = ALLOWED
    source: str = OUTSIDE
    token_shape_expect: Expect | None = None  # TOKEN events carry no source address

    def expected(self, shape: Shape) -> Expect:
        if shape is Shape.TOKEN and self.token_shape_expect is not None:
            return self.token_shape_expect
        return self.expect


def damaged(token: str) -> str:
    return token[:-1] + ("0" if token[-1] != "0" else "1")


CASES = [
    Case("valid", lambda w: w.token("valid"), Expect.ALLOW, "valid"),
    Case("malformed", lambda w: "lk_test_not-a-key", Expect.UNAUTHORIZED),
    Case("bad checksum", lambda w: damaged(w.token("valid")), Expect.UNAUTHORIZED),
    Case(
        "unknown id",
        lambda w: format_token("lk_test", new_key_id(), new_secret()),
        Expect.UNAUTHORIZED,
    ),
    Case(
        "wrong secret",
        lambda w: format_token("lk_test", w.key("valid").key_id, new_secret()),
        Expect.UNAUTHORIZED,
    ),
    Case("revoked", lambda w: w.token("revoked"), Expect.DENY_ALL, "revoked"),
    Case("expired", lambda w: w.token("expired"), Expect.DENY_ALL, "expired"),
    Case("IP not allowed", lambda w: w.token("allowlisted"), Expect.DENY_ALL, "allowlisted"),
    Case(
        "IP allowed",
        lambda w: w.token("allowlisted"),
        Expect.ALLOW,
        "allowlisted",
        source=INSIDE,
        token_shape_expect=Expect.DENY_ALL,
    ),
    Case(
        "route not allowed",
        lambda w: w.token("valid"),
        Expect.DENY_ROUTE,
        "valid",
        route=FORBIDDEN,
    ),
    Case("missing header", lambda w: None, Expect.UNAUTHORIZED),
]


def group_resources(shape: Shape) -> list[str]:
    return [f"{shape.base}/GET/orders/*", f"{shape.base}/POST/orders"]


def allowed_context(key: ApiKey, group: Group) -> dict[str, str]:
    return {
        "tenant_id": TENANT,
        "key_id": key.key_id,
        "key_name": key.name,
        "group_id": group.group_id,
        "permissions": "orders:read,orders:write",
        "expires_at": "",
    }


def statement(effect: str, resources: list[str]) -> dict[str, Any]:
    return {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resources}


def expected_statements(shape: Shape, expect: Expect, route: tuple[str, str]) -> list[Any]:
    # Every Allow comes with the Deny of dot-segment paths (chalicelib/domain/paths.py).
    not_canonical = statement("Deny", not_canonical_resources(shape.base))
    if expect is Expect.ALLOW:
        return [statement("Allow", group_resources(shape)), not_canonical]
    if expect is Expect.DENY_ROUTE:
        return [
            statement("Allow", group_resources(shape)),
            not_canonical,
            statement("Deny", [shape.method_arn(*route)]),
        ]
    return [statement("Deny", [f"{shape.base}/*"])]


def assert_answer(world: World, shape: Shape, case: Case, response: dict[str, Any]) -> None:
    label = f"{shape} / {case.name}"
    expect = case.expected(shape)
    assert case.key is not None
    key = world.key(case.key)
    context = response["context"]
    assert all(isinstance(value, str | int | bool) for value in context.values()), label
    assert context["key_id"] == key.key_id, label
    if expect is Expect.ALLOW:
        assert context == allowed_context(key, world.group), label
    if shape is Shape.HTTP_SIMPLE:
        assert set(response) == {"isAuthorized", "context"}, label
        assert response["isAuthorized"] is (expect is Expect.ALLOW), label
        return
    method_arn = shape.method_arn(*case.route)
    assert response["principalId"] == key.key_id, label
    assert response["policyDocument"] == {
        "Version": "2012-10-17",
        "Statement": expected_statements(shape, expect, case.route),
    }, label
    assert iam_allows(response, method_arn) is (expect is Expect.ALLOW), label
    assert explicitly_denies(response, method_arn) is (expect is not Expect.ALLOW), label


def run_case(world: World, shape: Shape, runtime: Runtime, case: Case) -> str | None:
    """Decide one case and check its answer; returns the token it presented."""
    token = case.token(world)
    event = event_for(shape, token, case.route, case.source)
    if case.expected(shape) is Expect.UNAUTHORIZED:
        with pytest.raises(Unauthorized) as raised:
            authorize(event, runtime)
        assert raised.value.args == ("Unauthorized",), f"{shape} / {case.name}"
        return token
    assert_answer(world, shape, case, authorize(event, runtime))
    return token


def capture_all(caplog: pytest.LogCaptureFixture) -> None:
    """Capture every record at DEBUG: botocore's requests and responses, and the
    authorizer's own lines (which must not live under Chalice's "latchkey" app logger)."""
    caplog.set_level(logging.DEBUG)


def assert_no_secret_logged(
    caplog: pytest.LogCaptureFixture, secrets: list[str], printed: str = ""
) -> None:
    """No secret in any log record, nor in the decision lines (JSON + EMF) on stdout."""
    names = {record.name for record in caplog.records}
    assert "botocore.endpoint" in names, "is capture working?"
    decisions = [json.loads(line) for line in printed.splitlines() if '"decision"' in line]
    assert decisions, "is stdout captured? every decision writes a line"
    assert not [secret for secret in secrets if secret in printed]
    for record in caplog.records:
        message = record.getMessage()
        leaked = [secret for secret in secrets if secret in message]
        assert not leaked, f"{record.name}: a secret reached the log"
    assert not [secret for secret in secrets if secret in caplog.text]


@pytest.mark.parametrize("shape", list(Shape))
def test_every_outcome_gets_its_exact_answer_and_no_secret_is_logged(
    world: World,
    shape: Shape,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    capture_all(caplog)
    runtime = world.runtime(shape)
    presented = [run_case(world, shape, runtime, case) for case in CASES]
    secrets = world.secrets() + [secret for t in presented if (secret := secret_of(t))]
    assert len(secrets) >= len(world.issued) + 2  # the unknown id's and the wrong secret
    assert_no_secret_logged(caplog, secrets, capsys.readouterr().out)


# --- where the key and the address come from --------------------------------------------


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


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],  # the world is read-only
)
@given(source=near_allowlist.map(str))
def test_the_allowlist_agrees_with_the_ipaddress_oracle_in_every_address_shape(
    world: World, source: str
) -> None:
    for shape in ADDRESS_SHAPES:
        event = event_for(shape, world.token("allowlisted"), ALLOWED, source)
        allowed = allowed_in(shape, authorize(event, world.warm_runtime(shape)))
        assert allowed is address_oracle(source), (shape, source)


# --- state changes -----------------------------------------------------------------------


def decide(runtime: Runtime, token: str, route: tuple[str, str] = ALLOWED) -> bool:
    """Whether API Gateway lets ``route`` through for this REST REQUEST (False if 401)."""
    event = event_for(Shape.REST_REQUEST, token, route, OUTSIDE)
    try:
        return iam_allows(authorize(event, runtime), Shape.REST_REQUEST.method_arn(*route))
    except Unauthorized:
        return False


def decide_or_raise(runtime: Runtime, token: str, route: tuple[str, str]) -> bool:
    """Like ``decide``, but Unauthorized propagates."""
    event = event_for(Shape.REST_REQUEST, token, route, OUTSIDE)
    return iam_allows(authorize(event, runtime), Shape.REST_REQUEST.method_arn(*route))


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
    monotonic = Monotonic()
    runtime = runtime_with_monotonic(world, monotonic)
    old = world.token("valid")
    assert decide(runtime, old)
    new = world.services.keys.rotate(TENANT, world.key("valid").key_id, timedelta(0), None)
    monotonic.now += RECHECK_SECONDS
    assert decide(runtime, new.token), "the new secret earns a fresh read"
    monotonic.now += world.services.settings.key_cache_seconds - RECHECK_SECONDS
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
    monotonic = Monotonic()
    runtime = runtime_with_monotonic(world, monotonic)
    ttl = world.services.settings.key_cache_seconds
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


class Monotonic:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def runtime_with_monotonic(world: World, monotonic: Monotonic) -> Runtime:
    """A container whose caches (keys, groups) age by ``monotonic``."""
    return build_runtime(world.services.settings, world.clock, monotonic=monotonic)


def test_a_group_change_reaches_the_authorizer_only_after_the_group_cache_time(
    world: World,
) -> None:
    monotonic = Monotonic()
    runtime = runtime_with_monotonic(world, monotonic)
    token, ttl = world.token("valid"), world.services.settings.group_cache_seconds
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


# --- database calls per decision ---------------------------------------------------------


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
    monotonic = Monotonic()
    runtime = runtime_with_monotonic(world, monotonic)
    ttl = world.services.settings.key_cache_seconds
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
    runtime = runtime_with_monotonic(world, Monotonic())
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
    item = client.get_item(TableName=world.services.settings.usage_table, Key=key)["Item"]
    return {name: int(item[name]["N"]) for name in ("allowed", "denied")}


def test_usage_is_written_once_per_key_per_flush_interval(world: World) -> None:
    runtime = world.runtime()
    key_id, interval = world.key("valid").key_id, world.services.settings.usage_flush_seconds
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


# --- the cached-policy property ----------------------------------------------------------

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


# --- secrets stay out of logs ------------------------------------------------------------


def test_the_pepper_from_ssm_never_reaches_a_debug_log(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    settings = world.services.settings
    pepper = settings.local_peppers[1].decode()  # the keys were hashed with version 1
    boto3.client("ssm", region_name=settings.region).put_parameter(
        Name="/latchkey/test/pepper", Value=pepper, Type="SecureString"
    )
    peppers = SsmPeppers("/latchkey/test/pepper", ssm_client(settings))
    runtime = build_runtime(settings, world.clock, peppers=peppers)
    capture_all(caplog)
    assert decide(runtime, world.token("valid")), "the SSM pepper verifies the key"
    assert str(secret_of(world.token("valid"))) not in caplog.text
    assert pepper not in caplog.text


def test_http_api_events_read_the_lower_case_header_and_the_http_source(world: World) -> None:
    event = http_event(world.token("allowlisted"), *ALLOWED, INSIDE)
    assert event["headers"]["x-api-key"] == world.token("allowlisted")
    response = authorize(event, world.runtime(Shape.HTTP_SIMPLE))
    assert response == {
        "isAuthorized": True,
        "context": allowed_context(world.key("allowlisted"), world.group),
    }


def test_the_authorizers_warnings_survive_loading_the_app() -> None:
    import app

    assert app.app.log.name == "latchkey"
    assert logging.getLogger("chalicelib.authorizer.handler").isEnabledFor(logging.WARNING)
