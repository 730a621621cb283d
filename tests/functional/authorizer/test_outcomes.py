"""Every outcome in every event shape gets its exact answer, and no secret is logged."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

import pytest

from chalicelib.authorizer.handler import Unauthorized, authorize
from chalicelib.authorizer.policy import not_canonical_resources
from chalicelib.authorizer.runtime import Runtime
from chalicelib.domain.key_format import format_token, new_key_id, new_secret
from tests.functional.authorizer.world import (
    ALLOWED,
    FORBIDDEN,
    INSIDE,
    OUTSIDE,
    World,
    allowed_context,
    capture_all,
    damaged,
    secret_of,
    statement,
)
from tests.support.events import Shape, event_for
from tests.support.iam import explicitly_denies, iam_allows


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
