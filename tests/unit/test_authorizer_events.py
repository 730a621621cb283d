"""Events of any shape: the authorizer answers a policy (or a simple response) or raises
Unauthorized, never anything else. And one X-API-Key value per request.

The store is a small fake DynamoDB client that knows one valid key and its group, so the
events hypothesis builds from API Gateway's samples reach a real decision when they still
carry the key.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.authorizer.handler import Unauthorized, authorize
from chalicelib.authorizer.runtime import Runtime
from tests.support.events import Shape, event_for
from tests.support.examples import PURE
from tests.support.iam import explicitly_denies, iam_allows
from tests.support.stubbed_store import GROUP_ITEM, ROUTE, SOURCE, Issued, runtime_over

FAST = settings(PURE, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
KEY = Issued()
SECOND = Issued()


class FakeDynamoDB:
    """get_item knows KEY, SECOND and their group; writes are accepted and dropped."""

    def get_item(self, TableName: str, Key: dict[str, Any], **_: Any) -> dict[str, Any]:
        wanted = Key.get("key_id", {}).get("S")
        for issued in (KEY, SECOND):
            if wanted == issued.key_id:
                return {"Item": issued.key_item()}
        if "group_id" in Key:
            return {"Item": GROUP_ITEM}
        return {}

    def update_item(self, **_: Any) -> dict[str, Any]:
        return {}


def runtime(shape: Shape = Shape.REST_REQUEST) -> Runtime:
    return runtime_over(FakeDynamoDB, shape)


def decide(event: Any, shape: Shape = Shape.REST_REQUEST) -> dict[str, Any] | None:
    """The answer, or None for Unauthorized; anything else raised fails the test."""
    try:
        return authorize(event, runtime(shape))
    except Unauthorized:
        return None


def assert_well_formed(answer: dict[str, Any] | None) -> None:
    if answer is None:
        return
    if "isAuthorized" in answer:
        assert set(answer) == {"isAuthorized", "context"}
        assert isinstance(answer["isAuthorized"], bool)
        return
    assert isinstance(answer["principalId"], str)
    statements = answer["policyDocument"]["Statement"]
    assert statements
    assert all(statement["Resource"] for statement in statements)


# JSON as API Gateway could never send it, and as a caller of the Lambda might.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
SPOILED = (
    "requestContext",
    "headers",
    "multiValueHeaders",
    "methodArn",
    "routeArn",
    "rawPath",
    "type",
    "version",
    "authorizationToken",
)


@st.composite
def spoiled_events(draw: st.DrawFn) -> Any:
    """A sample event of some shape, with some of its parts replaced by any JSON."""
    shape = draw(st.sampled_from(list(Shape)))
    event: Any = event_for(shape, KEY.token, ROUTE, SOURCE)
    for name in draw(st.lists(st.sampled_from(SPOILED), max_size=4, unique=True)):
        event[name] = draw(json_values)
    context = event.get("requestContext")
    if isinstance(context, dict) and draw(st.booleans()):
        for name in draw(st.lists(st.sampled_from(("http", "identity")), max_size=2)):
            context[name] = draw(json_values)
    return draw(st.sampled_from([event, [event], None, "event", 7, copy.deepcopy(event)]))


@FAST
@given(event=spoiled_events())
def test_any_event_gets_a_policy_or_unauthorized_and_never_an_exception(event: Any) -> None:
    assert_well_formed(decide(event))


@FAST
@given(event=json_values)
def test_any_json_at_all_gets_a_policy_or_unauthorized(event: Any) -> None:
    assert_well_formed(decide(event))


@pytest.mark.parametrize(
    "spoil",
    [
        {"requestContext": "a string"},
        {"requestContext": ["a", "list"]},
        {"headers": "X-API-Key: x"},
        {"headers": ["X-API-Key", "x"]},
        {"multiValueHeaders": "x"},
        {"multiValueHeaders": {"X-API-Key": "not a list"}},
        {"headers": None, "multiValueHeaders": None, "requestContext": None},
    ],
)
def test_a_rest_event_with_parts_of_the_wrong_type_is_refused_not_raised(
    spoil: dict[str, Any],
) -> None:
    event = {**event_for(Shape.REST_REQUEST, KEY.token, ROUTE, SOURCE), **spoil}
    assert_well_formed(decide(event))


def test_an_http_api_event_whose_http_is_a_string_is_decided_without_raising() -> None:
    event = event_for(Shape.HTTP_IAM, KEY.token, ROUTE, SOURCE)
    event["requestContext"]["http"] = "GET /orders/7"
    assert_well_formed(decide(event, Shape.HTTP_IAM))


def test_a_list_for_an_event_is_unauthorized() -> None:
    event = event_for(Shape.REST_REQUEST, KEY.token, ROUTE, SOURCE)
    assert decide([event]) is None


# --- one X-API-Key per request ------------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [[KEY.token, SECOND.token], [SECOND.token, KEY.token], ["wrong", KEY.token]],
)
def test_two_distinct_api_keys_in_multi_value_headers_are_denied(values: list[str]) -> None:
    event = event_for(Shape.REST_REQUEST, values[-1], ROUTE, SOURCE)
    event["multiValueHeaders"] = {"X-API-Key": values}
    answer = decide(event)
    assert answer is not None
    assert answer["principalId"] == "ambiguous"
    assert explicitly_denies(answer, Shape.REST_REQUEST.method_arn(*ROUTE))


def test_two_api_keys_comma_joined_in_one_header_are_denied() -> None:
    event = event_for(Shape.HTTP_IAM, f"{KEY.token},{SECOND.token}", ROUTE, SOURCE)
    answer = decide(event, Shape.HTTP_IAM)
    assert answer is not None
    assert explicitly_denies(answer, Shape.HTTP_IAM.method_arn(*ROUTE))


def test_the_same_key_twice_is_one_key() -> None:
    event = event_for(Shape.REST_REQUEST, KEY.token, ROUTE, SOURCE)
    event["multiValueHeaders"] = {"x-api-key": [KEY.token, KEY.token]}
    answer = decide(event)
    assert answer is not None
    assert iam_allows(answer, Shape.REST_REQUEST.method_arn(*ROUTE))
