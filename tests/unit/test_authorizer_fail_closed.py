"""The authorizer fails closed: a store or pepper it cannot use means Deny, never a 500.

A real botocore DynamoDB client with a ``Stubber`` is injected into the authorizer's
``HotStore`` (``client_factory``), so errors arrive exactly as botocore raises them and
nothing leaves the process. Every refusal is an explicit Deny (``isAuthorized: false`` for
HTTP APIs in simple mode) or ``Unauthorized``; the log names the cause, never the token.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError
from botocore.stub import Stubber

from chalicelib.authorizer.handler import Unauthorized, authorize
from chalicelib.domain.peppers import StaticPeppers
from chalicelib.storage.hotpath import RETRIES, RETRYABLE
from chalicelib.storage.ssm_peppers import SsmPeppers
from tests.support.clock import FakeClock
from tests.support.events import Shape, event_for
from tests.support.iam import explicitly_denies
from tests.support.stubbed_store import (
    GROUP_ITEM,
    ROUTE,
    SETTINGS,
    SOURCE,
    Issued,
    new_client,
    runtime_over,
)

STORE_ERRORS = [
    ("ProvisionedThroughputExceededException", 400),
    ("InternalServerError", 500),
    ("ResourceNotFoundException", 400),
]


@pytest.fixture
def dynamodb() -> Iterator[tuple[Any, Stubber]]:
    client = new_client()
    with Stubber(client) as stubber:
        yield client, stubber


def capture_all(caplog: pytest.LogCaptureFixture) -> None:
    """Capture every record at DEBUG, the authorizer's own included."""
    caplog.set_level(logging.DEBUG)


def assert_fails_closed(shape: Shape, response: dict[str, Any]) -> None:
    """An explicit Deny for this request (``isAuthorized: false`` in simple mode)."""
    if shape is Shape.HTTP_SIMPLE:
        assert response == {"isAuthorized": False, "context": {}}, shape
        return
    method_arn = shape.method_arn(*ROUTE)
    assert explicitly_denies(response, method_arn), (shape, response)
    assert all(s["Effect"] == "Deny" for s in response["policyDocument"]["Statement"]), shape


def assert_logged_without_secrets(
    caplog: pytest.LogCaptureFixture, cause: str, key: Issued
) -> None:
    assert cause in caplog.text
    for record in caplog.records:
        message = record.getMessage()
        assert key.secret not in message, record
        assert key.token not in message, record
    assert key.secret not in caplog.text


# --- the store fails ---------------------------------------------------------------------


@pytest.mark.parametrize("shape", list(Shape))
@pytest.mark.parametrize(("code", "status"), STORE_ERRORS)
def test_a_get_item_error_is_an_explicit_deny_and_its_cause_is_logged(
    dynamodb: tuple[Any, Stubber],
    caplog: pytest.LogCaptureFixture,
    shape: Shape,
    code: str,
    status: int,
) -> None:
    client, stubber = dynamodb
    key = Issued()
    # Throttles and 5xx are retried within the budget: every attempt fails here.
    for _ in range(1 + (RETRIES if code in RETRYABLE else 0)):
        stubber.add_client_error("get_item", service_error_code=code, http_status_code=status)
    runtime = runtime_over(lambda: client, shape)
    capture_all(caplog)

    response = authorize(event_for(shape, key.token, ROUTE, SOURCE), runtime)

    assert_fails_closed(shape, response)
    stubber.assert_no_pending_responses()
    assert_logged_without_secrets(caplog, code, key)


@pytest.mark.parametrize("shape", list(Shape))
def test_an_unreachable_endpoint_is_an_explicit_deny(
    caplog: pytest.LogCaptureFixture, shape: Shape
) -> None:
    def unreachable() -> Any:
        raise EndpointConnectionError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com")

    key = Issued()
    capture_all(caplog)
    response = authorize(
        event_for(shape, key.token, ROUTE, SOURCE), runtime_over(unreachable, shape)
    )
    assert_fails_closed(shape, response)
    assert_logged_without_secrets(caplog, "EndpointConnectionError", key)


def test_an_unreadable_key_item_fails_closed(dynamodb: tuple[Any, Stubber]) -> None:
    client, stubber = dynamodb
    key = Issued()
    item = key.key_item()
    del item["created_by"]
    stubber.add_response("get_item", {"Item": item})
    try:
        response = authorize(
            event_for(Shape.TOKEN, key.token, ROUTE, SOURCE), runtime_over(lambda: client)
        )
    except Unauthorized:
        return
    assert_fails_closed(Shape.TOKEN, response)


# --- the pepper is missing ---------------------------------------------------------------


@pytest.mark.parametrize("shape", list(Shape))
def test_a_pepper_version_that_is_not_configured_is_an_explicit_deny(
    dynamodb: tuple[Any, Stubber], caplog: pytest.LogCaptureFixture, shape: Shape
) -> None:
    client, stubber = dynamodb
    key = Issued(pepper_version=1)
    stubber.add_response("get_item", {"Item": key.key_item()})
    runtime = runtime_over(lambda: client, shape, peppers=StaticPeppers({}))
    capture_all(caplog)

    response = authorize(event_for(shape, key.token, ROUTE, SOURCE), runtime)

    assert_fails_closed(shape, response)
    assert_logged_without_secrets(caplog, "pepper version 1 is not configured", key)


def test_an_ssm_client_that_cannot_be_built_is_an_explicit_deny(
    dynamodb: tuple[Any, Stubber], caplog: pytest.LogCaptureFixture
) -> None:
    def no_ssm() -> object:
        raise EndpointConnectionError(endpoint_url="https://ssm.us-east-1.amazonaws.com")

    client, stubber = dynamodb
    key = Issued()
    stubber.add_response("get_item", {"Item": key.key_item()})
    peppers = SsmPeppers("/latchkey/test/pepper", no_ssm)
    capture_all(caplog)

    response = authorize(
        event_for(Shape.TOKEN, key.token, ROUTE, SOURCE),
        runtime_over(lambda: client, peppers=peppers),
    )

    assert_fails_closed(Shape.TOKEN, response)
    assert_logged_without_secrets(caplog, "EndpointConnectionError", key)


@pytest.mark.parametrize("code", ["ParameterVersionNotFound", "AccessDeniedException"])
def test_an_ssm_error_is_an_explicit_deny(
    dynamodb: tuple[Any, Stubber], caplog: pytest.LogCaptureFixture, code: str
) -> None:
    client, stubber = dynamodb
    key = Issued()
    stubber.add_response("get_item", {"Item": key.key_item()})
    ssm = new_client("ssm")
    peppers = SsmPeppers("/latchkey/test/pepper", lambda: ssm)
    capture_all(caplog)

    with Stubber(ssm) as ssm_stubber:
        ssm_stubber.add_client_error("get_parameter", service_error_code=code)
        response = authorize(
            event_for(Shape.HTTP_IAM, key.token, ROUTE, SOURCE),
            runtime_over(lambda: client, Shape.HTTP_IAM, peppers=peppers),
        )
        ssm_stubber.assert_no_pending_responses()

    assert_fails_closed(Shape.HTTP_IAM, response)
    assert_logged_without_secrets(caplog, code, key)


# --- no read without a well-formed key ---------------------------------------------------


@pytest.mark.parametrize("shape", list(Shape))
@pytest.mark.parametrize(
    "token",
    [None, "", "Bearer abc", "lk_test_short", "lk_live_0123456789abcdef_" + "s" * 49],
)
def test_a_missing_or_malformed_key_is_unauthorized_without_any_database_call(
    shape: Shape, token: str | None
) -> None:
    built: list[Any] = []

    def factory() -> Any:
        built.append(new_client())
        return built[-1]

    runtime = runtime_over(factory, shape)
    with pytest.raises(Unauthorized) as raised:
        authorize(event_for(shape, token, ROUTE, SOURCE), runtime)
    assert str(raised.value) == "Unauthorized"
    assert (runtime.store.reads, runtime.store.writes, built) == (0, 0, [])


def test_a_token_with_a_bad_checksum_is_unauthorized_without_any_database_call(
    dynamodb: tuple[Any, Stubber],
) -> None:
    client, stubber = dynamodb  # nothing queued: any call would fail the stub
    token = Issued().token
    damaged = token[:-1] + ("0" if token[-1] != "0" else "1")
    runtime = runtime_over(lambda: client)
    with pytest.raises(Unauthorized):
        authorize(event_for(Shape.REST_REQUEST, damaged, ROUTE, SOURCE), runtime)
    stubber.assert_no_pending_responses()
    assert runtime.store.reads == 0


@pytest.mark.parametrize(
    "event",
    [{}, {"type": "REQUEST"}, {"type": "TOKEN", "methodArn": "not-an-arn"}, {"type": "OTHER"}],
)
def test_an_event_of_no_known_shape_is_unauthorized_without_any_database_call(
    event: dict[str, Any],
) -> None:
    runtime = runtime_over(new_client)
    with pytest.raises(Unauthorized):
        authorize(event, runtime)
    assert runtime.store.reads == 0


# --- the read itself ---------------------------------------------------------------------


def test_the_key_is_read_with_one_strongly_consistent_get_item(
    dynamodb: tuple[Any, Stubber],
) -> None:
    client, stubber = dynamodb
    key = Issued()
    stubber.add_response(
        "get_item",
        {"Item": key.key_item()},
        expected_params={
            "TableName": SETTINGS.dynamodb.keys_table,
            "Key": {"key_id": {"S": key.key_id}},
            "ConsistentRead": True,
        },
    )
    stubber.add_response("get_item", {"Item": GROUP_ITEM})
    stubber.add_response("update_item", {})  # the first decision's usage is due at once
    stubber.add_response("update_item", {})
    response = authorize(
        event_for(Shape.TOKEN, key.token, ROUTE, SOURCE), runtime_over(lambda: client)
    )
    assert response["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    stubber.assert_no_pending_responses()


# --- usage is best effort ----------------------------------------------------------------


def test_a_failed_usage_write_never_changes_the_decision(
    dynamodb: tuple[Any, Stubber], caplog: pytest.LogCaptureFixture
) -> None:
    client, stubber = dynamodb
    key = Issued()
    stubber.add_response("get_item", {"Item": key.key_item()})
    stubber.add_response("get_item", {"Item": GROUP_ITEM})
    for _ in range(1 + RETRIES):  # the usage write is retried within the budget too
        stubber.add_client_error(
            "update_item", service_error_code="ProvisionedThroughputExceededException"
        )
    capture_all(caplog)

    response = authorize(
        event_for(Shape.TOKEN, key.token, ROUTE, SOURCE), runtime_over(lambda: client)
    )

    assert response["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert "usage write failed: ProvisionedThroughputExceededException" in caplog.text
    stubber.assert_no_pending_responses()


def test_a_failed_usage_write_at_midnight_never_changes_the_decision(
    dynamodb: tuple[Any, Stubber],
) -> None:
    client, stubber = dynamodb
    key = Issued()
    clock = FakeClock(datetime(2026, 11, 24, 23, 59, 30, tzinfo=UTC))
    runtime = runtime_over(lambda: client, clock=clock)
    event = event_for(Shape.TOKEN, key.token, ROUTE, SOURCE)
    # 23:59:30: first decision; its usage is due at once (three writes: the key's day,
    # a shard of the tenant's day, last_used_at).
    stubber.add_response("get_item", {"Item": key.key_item()})
    stubber.add_response("get_item", {"Item": GROUP_ITEM})
    for _ in range(3):
        stubber.add_response("update_item", {})
    authorize(event, runtime)
    # 23:59:50: counted, not yet due.
    clock.advance(seconds=20)
    stubber.add_response("get_item", {"Item": key.key_item()})
    authorize(event, runtime)
    # 00:00:10, a new day: yesterday's pending counts are written first, and that fails.
    clock.advance(seconds=20)
    stubber.add_response("get_item", {"Item": key.key_item()})
    for _ in range(1 + RETRIES):
        stubber.add_client_error(
            "update_item", service_error_code="ProvisionedThroughputExceededException"
        )
    response = authorize(event, runtime)
    assert response["policyDocument"]["Statement"][0]["Effect"] == "Allow"
