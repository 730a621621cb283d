"""The authorizer's entry point: event in, policy (or Unauthorized) out. Fails closed.

Each decision writes one line (chalicelib/observability/decisions.py): the JSON log record
and its EMF metrics at once. Other lines (an unreadable event, why it failed closed) go
through ``logging``, which the Lambda entry formats as JSON (runtime.get_runtime).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from chalicelib.authorizer.bearer import decide_token
from chalicelib.authorizer.events import (
    AuthRequest,
    UnsupportedEvent,
    parse_event,
    request_id_of,
)
from chalicelib.authorizer.policy import answer
from chalicelib.authorizer.runtime import Runtime, get_runtime
from chalicelib.domain.access import Access
from chalicelib.domain.errors import StorageUnavailable
from chalicelib.domain.peppers import PepperUnavailable
from chalicelib.domain.verification import Outcome
from chalicelib.observability.decisions import DecisionRecord
from chalicelib.observability.metrics import (
    AMBIGUOUS,
    FAIL_CLOSED,
    TOKEN_INVALID,
    TOKEN_VALID,
    UNSUPPORTED_EVENT,
)

# Not under "latchkey": Chalice sets its app logger (named for the app) to ERROR and
# stops it propagating, which would silence these lines in Lambda.
logger = logging.getLogger(__name__)


class Unauthorized(Exception):
    """Raised for a missing, malformed or unknown key: API Gateway answers 401."""

    def __init__(self) -> None:
        super().__init__("Unauthorized")


def _unavailable(
    request: AuthRequest, runtime: Runtime, principal: str = "unavailable"
) -> dict[str, Any]:
    """Fail closed: an explicit Deny (or isAuthorized false), never a 500."""
    if request.http_api and runtime.settings.simple_responses:
        return {"isAuthorized": False, "context": {}}
    deny = {"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": [f"{request.arn_base}/*"]}
    return {
        "principalId": principal,
        "policyDocument": {"Version": "2012-10-17", "Statement": [deny]},
        "context": {},
    }


class _Decision:
    """Times one decision and writes its line, with the store's counters since it began."""

    def __init__(self, runtime: Runtime, request_id: str | None) -> None:
        self.runtime = runtime
        self.request_id = request_id
        self.started = time.perf_counter()
        store = runtime.store
        self.counters = (store.throttles, store.retries)

    def record(
        self, outcome: str, access: Access | None = None, usage_failed: bool = False
    ) -> None:
        store, key = self.runtime.store, access.key if access else None
        self.runtime.telemetry.decided(
            DecisionRecord(
                outcome,
                (time.perf_counter() - self.started) * 1000,
                self.request_id,
                key.tenant_id if key else None,
                key.key_id if key else None,
                store.throttles - self.counters[0],
                store.retries - self.counters[1],
                int(usage_failed),
            )
        )


def authorize(
    event: Any, runtime: Runtime | None = None, invocation_id: str | None = None
) -> dict[str, Any]:
    """Decide one authorizer event; ``invocation_id`` (Lambda's request id) names it in the
    logs when the event has no request id of its own (TOKEN events)."""
    runtime = runtime or get_runtime()
    decision = _Decision(runtime, request_id_of(event) or invocation_id)
    request = _parse(event, decision)
    if request.ambiguous:
        logger.warning("authorizer: a credential header sent twice; denying")
        decision.record(AMBIGUOUS)
        return _unavailable(request, runtime, "ambiguous")
    if request.bearer is not None:
        return _token(request, runtime, decision)
    try:
        access = runtime.control.decide(request.token, request.source_ip, request.route)
    except (StorageUnavailable, PepperUnavailable) as error:
        logger.error("authorizer: failing closed: %s", error)  # the cause, never the key
        decision.record(FAIL_CLOSED)
        return _unavailable(request, runtime)
    except Exception as error:  # anything else: still deny, never a 500
        logger.error("authorizer: failing closed on %s", type(error).__name__)
        decision.record(FAIL_CLOSED)
        return _unavailable(request, runtime)
    if access.key is None:
        decision.record(access.outcome.value, access)
        raise Unauthorized
    response = answer(request, access, runtime.settings.simple_responses)
    decision.record(access.outcome.value, access, usage_failed=not _flush(runtime, access))
    return response


def _parse(event: Any, decision: _Decision) -> AuthRequest:
    """The event's request, or Unauthorized (counted) when it has no shape we read."""
    try:
        return parse_event(event)
    except UnsupportedEvent as error:
        logger.warning("authorizer: %s", error, extra={"request_id": decision.request_id})
    except Exception as error:  # an event shape nobody foresaw: still no 500
        logger.warning("authorizer: unreadable event: %s", type(error).__name__)
    decision.record(UNSUPPORTED_EVENT)
    raise Unauthorized from None


def _token(request: AuthRequest, runtime: Runtime, decision: _Decision) -> dict[str, Any]:
    """An access token: decided from the token alone; never logged (its line names only
    the outcome: TOKEN_VALID, TOKEN_INVALID, the deny reason of a genuine token refused for
    its address or route, FAIL_CLOSED when its keys are unreachable)."""
    try:
        decided = decide_token(request, runtime.tokens, runtime.settings.simple_responses)
    except Exception as error:  # the signing keys unreachable, or anything else: deny
        logger.error("authorizer: failing closed on a token: %s", type(error).__name__)
        decision.record(FAIL_CLOSED)
        return _unavailable(request, runtime)
    if decided is None:
        decision.record(TOKEN_INVALID)
        raise Unauthorized
    response, outcome = decided
    decision.record(TOKEN_VALID if outcome is Outcome.VALID else outcome.value)
    return response


def _flush(runtime: Runtime, access: Access) -> bool:
    """Write the key's usage if due; False when that failed (best effort: it stands)."""
    try:
        runtime.control.flush_usage(access)
    except Exception as error:  # usage is best effort; the decision stands
        logger.warning("authorizer: usage write failed: %s", type(error).__name__)
        return False
    return True
