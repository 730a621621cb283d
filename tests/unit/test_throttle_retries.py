"""A throttled read is retried, with jittered pauses inside a stated budget, before it
becomes a deny: a hot key is slowed, never refused, while DynamoDB catches up.

A real botocore client with a ``Stubber`` serves the throttles (as botocore raises them).
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import Stubber

from chalicelib.authorizer.handler import authorize
from chalicelib.authorizer.runtime import build_runtime
from chalicelib.config.scale import ScaleSettings
from chalicelib.observability.metrics import THROTTLE_CODES
from chalicelib.storage.hotpath import RETRIES, RETRY_BASE, RETRY_CAP, HotStore
from tests.support.clock import FakeClock
from tests.support.events import Shape, event_for
from tests.support.iam import explicitly_denies, iam_allows
from tests.support.settings import settings_for_tests
from tests.support.stubbed_store import GROUP_ITEM, PEPPERS, ROUTE, SOURCE, Issued, new_client

THROTTLES = sorted(THROTTLE_CODES)


class Pauses:
    def __init__(self) -> None:
        self.seconds: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


def decide_with(client: Any, pauses: Pauses, rand: float = 1.0) -> tuple[dict[str, Any], HotStore]:
    settings = settings_for_tests(scale=ScaleSettings(key_cache_seconds=0))
    store = HotStore(settings, lambda: client, sleep=pauses, rand=lambda: rand)
    runtime = build_runtime(settings, FakeClock(), store=store, peppers=PEPPERS)
    key = Issued()
    return authorize(event_for(Shape.REST_REQUEST, key.token, ROUTE, SOURCE), runtime), store


@pytest.mark.parametrize("code", THROTTLES)
def test_a_throttled_key_read_followed_by_success_is_an_allow(code: str) -> None:
    client, pauses = new_client(), Pauses()
    key = Issued()
    with Stubber(client) as stubber:
        for _ in range(RETRIES):
            stubber.add_client_error("get_item", service_error_code=code)
        stubber.add_response("get_item", {"Item": key.key_item()})
        stubber.add_response("get_item", {"Item": GROUP_ITEM})
        for _ in range(3):
            stubber.add_response("update_item", {})
        settings = settings_for_tests(scale=ScaleSettings(key_cache_seconds=0))
        store = HotStore(settings, lambda: client, sleep=pauses, rand=lambda: 1.0)
        runtime = build_runtime(settings, FakeClock(), store=store, peppers=PEPPERS)
        response = authorize(event_for(Shape.REST_REQUEST, key.token, ROUTE, SOURCE), runtime)
        stubber.assert_no_pending_responses()
    assert iam_allows(response, Shape.REST_REQUEST.method_arn(*ROUTE))
    assert store.retries == RETRIES
    # Exponential, capped: with the jitter at its top the pauses are the budget itself.
    assert pauses.seconds == [min(RETRY_CAP, RETRY_BASE * 2**n) for n in range(RETRIES)]


def test_exhausted_retries_deny_fail_closed() -> None:
    client, pauses = new_client(), Pauses()
    with Stubber(client) as stubber:
        for _ in range(RETRIES + 1):
            stubber.add_client_error(
                "get_item", service_error_code="ProvisionedThroughputExceededException"
            )
        response, _store = decide_with(client, pauses)
        stubber.assert_no_pending_responses()
    assert explicitly_denies(response, Shape.REST_REQUEST.method_arn(*ROUTE))
    assert len(pauses.seconds) == RETRIES
    assert sum(pauses.seconds) == pytest.approx(0.175), "the whole wait before a deny is bounded"


def test_the_pauses_are_jittered_between_zero_and_the_step() -> None:
    client, pauses = new_client(), Pauses()
    with Stubber(client) as stubber:
        for _ in range(RETRIES + 1):
            stubber.add_client_error("get_item", service_error_code="ThrottlingException")
        decide_with(client, pauses, rand=0.25)
    assert pauses.seconds == [0.25 * min(RETRY_CAP, RETRY_BASE * 2**n) for n in range(RETRIES)]


def test_an_error_that_is_not_transient_is_not_retried() -> None:
    client, pauses = new_client(), Pauses()
    with Stubber(client) as stubber:
        stubber.add_client_error("get_item", service_error_code="ResourceNotFoundException")
        response, store = decide_with(client, pauses)
        stubber.assert_no_pending_responses()
    assert explicitly_denies(response, Shape.REST_REQUEST.method_arn(*ROUTE))
    assert (pauses.seconds, store.retries) == ([], 0)
