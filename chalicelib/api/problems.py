"""RFC 9457 problem documents: the one table that maps domain errors to HTTP.

Every route's errors pass through :func:`problem_for`, so a domain error has the same
status and ``code`` wherever it is raised. Bodies never echo secrets or tokens.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from chalice import Response
from pydantic import ValidationError

from chalicelib.domain import errors
from chalicelib.domain.peppers import PepperUnavailable
from chalicelib.domain.signing import SigningFailed

logger = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"

# error class -> (HTTP status, stable machine code, title); looked up by the error's MRO.
Entry = tuple[int, str, str]
PROBLEMS: dict[type[Exception], Entry] = {
    errors.SupportModeRequired: (403, "support_mode_required", "Support mode required"),
    errors.Unauthenticated: (401, "unauthenticated", "Missing or invalid credential"),
    errors.Forbidden: (403, "forbidden", "Permission denied"),
    errors.NotFound: (404, "not_found", "Not found"),
    errors.InvalidInput: (422, "validation_failed", "Invalid request"),
    errors.KeyLimitReached: (409, "key_limit_reached", "Key limit reached"),
    errors.GroupLimitReached: (409, "group_limit_reached", "Group limit reached"),
    errors.KeyRevoked: (409, "key_revoked", "Key is revoked"),
    errors.KeyExpired: (409, "key_expired", "Key has expired"),
    errors.GroupInUse: (409, "group_in_use", "Group is in use"),
    errors.WouldLockOutCaller: (409, "would_lock_out_caller", "Would lock out the caller"),
    errors.LastManager: (409, "last_manager", "Last key manager"),
    errors.Conflict: (409, "conflict", "Conflicting change"),
    errors.TenantExists: (409, "tenant_exists", "Tenant exists"),
    errors.StorageUnavailable: (503, "service_unavailable", "Service unavailable"),
    errors.IdempotencyKeyReused: (422, "idempotency_key_reused", "Idempotency-Key reused"),
    errors.IdempotencyInProgress: (409, "idempotency_in_progress", "Request in progress"),
    errors.WebhookLimitReached: (409, "webhook_limit_reached", "Webhook endpoint limit reached"),
}


class MalformedBody(Exception):
    """Raised when a request body is not a JSON object."""


class PayloadTooLarge(Exception):
    """Raised when a body is over its route's documented size or count (leaked keys)."""


def problem(status: int, code: str, title: str, detail: str, **extra: Any) -> Response:
    """A problem+json response."""
    body = {"type": f"urn:latchkey:problem:{code}", "title": title, "status": status}
    body |= {"detail": detail, "code": code, **extra}
    headers: dict[str, str | list[str]] = {"Content-Type": PROBLEM_JSON}
    if status == 503:
        headers["Retry-After"] = "1"
    return Response(body=json.dumps(body), status_code=status, headers=headers)


def problem_for(error: Exception) -> Response:
    """Map any exception a handler raised to its problem response."""
    if isinstance(error, ValidationError):
        return problem(
            422,
            "validation_failed",
            "Invalid request",
            "the request has invalid fields",
            errors=field_errors(error),
        )
    if isinstance(error, MalformedBody):
        return problem(400, "malformed_json", "Malformed JSON", str(error))
    if isinstance(error, PayloadTooLarge):
        return problem(413, "payload_too_large", "Payload too large", str(error))
    if isinstance(error, SigningFailed):  # the token keys (KMS) unreachable: try again later
        logger.error("token keys unavailable: %s", error)
        detail = "token verification keys are unavailable; try again shortly"
        answer = problem(503, "service_unavailable", "Service unavailable", detail)
        answer.headers["Retry-After"] = str(error.retry_after)
        return answer
    if isinstance(error, PepperUnavailable):
        logger.error("pepper unavailable: %s", error)
        return problem(503, "service_unavailable", "Service unavailable", "try again shortly")
    found = entry_for(type(error))
    if found is not None and isinstance(error, errors.LatchkeyError):
        status, code, title = found
        if status >= 500:
            logger.error("%s: %s", code, error.detail)
        return problem(status, code, title, error.detail, **error.extra)
    logger.exception("unhandled error in a management route")
    return problem(500, "internal_error", "Internal error", "an unexpected error occurred")


def entry_for(
    error_type: type[BaseException], table: Mapping[type[Exception], Entry] = PROBLEMS
) -> Entry | None:
    """The table's entry for the nearest class in ``error_type``'s MRO: a subclass listed
    after its base still gets its own status and code."""
    for cls in error_type.__mro__:
        entry = table.get(cls)
        if entry is not None:
            return entry
    return None


def field_errors(error: ValidationError, where: str = "body") -> list[dict[str, str]]:
    """One entry per failing field; never the submitted value (it might be a secret).

    Nor the name of a field the API does not know: a client may paste a key where a name
    belongs, in a body or a query string, and a problem repeats nothing the client sent.
    """
    found = []
    for item in error.errors(include_input=False, include_url=False):
        parts = list(item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            parts, message = parts[:-1], "holds a field this API does not know (not repeated)"
        location = ".".join(str(part) for part in parts) or where
        found.append({"field": location, "message": message})
    return found
