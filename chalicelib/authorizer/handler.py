"""The authorizer's entry point: event in, policy (or Unauthorized) out. Fails closed."""

from __future__ import annotations

import logging
from typing import Any

from chalicelib.authorizer.bearer import decide_token
from chalicelib.authorizer.events import AuthRequest, UnsupportedEvent, parse_event
from chalicelib.authorizer.policy import answer
from chalicelib.authorizer.runtime import Runtime, get_runtime
from chalicelib.domain.access import Access
from chalicelib.domain.errors import StorageUnavailable
from chalicelib.peppers import PepperUnavailable

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


def authorize(event: Any, runtime: Runtime | None = None) -> dict[str, Any]:
    """Decide one authorizer event."""
    runtime = runtime or get_runtime()
    try:
        request = parse_event(event)
    except UnsupportedEvent as error:
        logger.warning("authorizer: %s", error)
        raise Unauthorized from None
    except Exception as error:  # an event shape nobody foresaw: still no 500
        logger.warning("authorizer: unreadable event: %s", type(error).__name__)
        raise Unauthorized from None
    if request.ambiguous:
        logger.warning("authorizer: several X-API-Key values; denying")
        return _unavailable(request, runtime, "ambiguous")
    if request.bearer is not None:
        return _token(request, runtime)
    try:
        access = runtime.control.decide(request.token, request.source_ip, request.route)
    except (StorageUnavailable, PepperUnavailable) as error:
        logger.error("authorizer: failing closed: %s", error)  # the cause, never the key
        return _unavailable(request, runtime)
    except Exception as error:  # anything else: still deny, never a 500
        logger.error("authorizer: failing closed on %s", type(error).__name__)
        return _unavailable(request, runtime)
    if access.key is None:
        raise Unauthorized
    response = answer(request, access, runtime.settings.simple_responses)
    _flush(runtime, access)
    if not access.valid:
        logger.info("authorizer: %s for key %s", access.outcome.value, access.key.key_id)
    return response


def _token(request: AuthRequest, runtime: Runtime) -> dict[str, Any]:
    """An access token: decided from the token alone; never logged."""
    try:
        response = decide_token(request, runtime.tokens, runtime.settings.simple_responses)
    except Exception as error:  # the signing keys unreachable, or anything else: deny
        logger.error("authorizer: failing closed on a token: %s", type(error).__name__)
        return _unavailable(request, runtime)
    if response is None:
        raise Unauthorized
    return response


def _flush(runtime: Runtime, access: Access) -> None:
    try:
        runtime.control.flush_usage(access)
    except Exception as error:  # usage is best effort; the decision stands
        logger.warning("authorizer: usage write failed: %s", type(error).__name__)
