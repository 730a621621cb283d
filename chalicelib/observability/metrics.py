"""Latchkey's metric names, and the embedded metric format (EMF) line the authorizer writes.

Every function writes metrics as EMF: a JSON log line that CloudWatch turns into metrics
(docs: "Specification: Embedded metric format"). The management API and the sweep write
them with Powertools' ``Metrics``; the authorizer writes one line per decision itself
(standard library only: Powertools would add to every cold start; README, "Operations").

Dimensions are low-cardinality by rule: the function (``service``), a decision's outcome,
a route *template* and a status class. A key id or a tenant id is never a dimension; the
authorizer's line carries them as plain properties, which Logs Insights can search.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache

NAMESPACE = "Latchkey"
SERVICE_DIMENSION = "service"  # Powertools' name for it; ours match

# The ``service`` of each function (a dimension of all its metrics, a field of its logs).
AUTHORIZER = "latchkey-authorizer"
API = "latchkey-api"
SWEEP = "latchkey-sweep"
CLI = "latchkey-cli"

# Decisions (authorizer and POST /v1/verify). Dimensions: service and Outcome, and service
# alone. Outcome is VALID, a deny reason (chalicelib/domain/verification.py: Outcome), or
# FAIL_CLOSED when the store or the pepper did not answer and the request was denied.
DECISIONS = "Decisions"
DECISION_LATENCY = "DecisionLatency"  # Milliseconds, from the event to the answer
FAIL_CLOSED = "FAIL_CLOSED"
# An event of no shape the authorizer reads: answered 401, like a malformed key.
UNSUPPORTED_EVENT = "UNSUPPORTED_EVENT"
# Several X-API-Key values in one request: denied without reading any.
AMBIGUOUS = "AMBIGUOUS"
# A bearer access token: its signature and claims decide, no database read.
TOKEN_VALID = "TOKEN_VALID"  # noqa: S105 - an outcome's name, not a secret
TOKEN_INVALID = "TOKEN_INVALID"  # noqa: S105 - an outcome's name, not a secret
# The authorizer answers these with Unauthorized, which Lambda counts in its Errors metric;
# the errors alarm subtracts them (infra/template.yaml, AuthorizerErrorsAlarm).
UNAUTHORIZED_OUTCOMES = ("MALFORMED", "NOT_FOUND", UNSUPPORTED_EVENT, TOKEN_INVALID)
OUTCOME_DIMENSION = "Outcome"
# DynamoDB calls of a decision (or an API request) that were throttled, or retried by
# botocore; and usage writes that failed (best effort: the decision stands).
DYNAMODB_THROTTLES = "DynamoDBThrottles"
DYNAMODB_RETRIES = "DynamoDBRetries"
USAGE_FLUSH_FAILURES = "UsageFlushFailures"

# Management API. ApiRequests has dimensions service, Route (the template, e.g.
# "GET /v1/keys/{key_id}") and StatusClass ("2xx".."5xx"); ApiServerErrors is 1 for a 5xx
# answer and 0 otherwise, dimension service only, so its Average is the 5xx rate.
API_REQUESTS = "ApiRequests"
API_SERVER_ERRORS = "ApiServerErrors"
API_LATENCY = "ApiLatency"  # Milliseconds
ROUTE_DIMENSION = "Route"
STATUS_CLASS_DIMENSION = "StatusClass"

# Expiry sweep, one set per run (dimension service).
SWEEP_WARNINGS_SENT = "SweepWarningsSent"
SWEEP_WARNINGS_RELEASED = "SweepWarningsReleased"  # EventBridge refused them: sent next run
SWEEP_DIGESTS_FAILED = "SweepDigestsFailed"  # SNS publish failures
SWEEP_KEYS_EXAMINED = "SweepKeysExamined"
SWEEP_DURATION = "SweepDuration"  # Milliseconds
SWEEP_FINISHED = "SweepFinished"  # 1 when the run reached the end of the due keys, else 0
SWEEP_FAILED = "SweepFailed"  # 1 when the run raised

# Named now for features landing on other branches (access tokens, leaked keys); they emit
# them with Powertools' Metrics, dimension service (and Outcome for leaks: revoked/notified).
TOKENS_ISSUED = "TokensIssued"
# kms:Sign or GetPublicKey refused for the account's RSA quota (alarm: KmsThrottlesAlarm);
# token requests answered 429 for their key's signing rate (chalicelib/domain/token_bound.py).
KMS_THROTTLES = "KmsThrottles"
TOKENS_RATE_LIMITED = "TokensRateLimited"
LEAKED_KEYS_HANDLED = "LeakedKeysHandled"

Writer = Callable[[str], object]
# DynamoDB's error codes for a request it refused for capacity (on-demand tables included).
THROTTLE_CODES = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}
)


def status_class(status: int) -> str:
    """``404`` -> ``"4xx"``: five values, never the status itself."""
    return f"{min(max(status // 100, 1), 5)}xx"


@lru_cache(maxsize=64)
def _directives(
    dimension_sets: tuple[tuple[str, ...], ...], metrics: tuple[tuple[str, str], ...]
) -> str:
    """The ``CloudWatchMetrics`` JSON of one shape of line: the same for almost every line,
    so it is serialized once (half of a decision line's cost otherwise)."""
    directive = {
        "Namespace": NAMESPACE,
        "Dimensions": [list(names) for names in dimension_sets],
        "Metrics": [{"Name": name, "Unit": unit} for name, unit in metrics],
    }
    return json.dumps([directive], separators=(",", ":"))


def emf_line(
    dimensions: Mapping[str, str],
    dimension_sets: Sequence[Sequence[str]],
    metrics: Mapping[str, tuple[float, str]],
    properties: Mapping[str, object] | None = None,
    timestamp_ms: int | None = None,
) -> str:
    """One EMF log line: ``metrics`` maps a name to (value, unit); ``properties`` are plain
    fields of the line (log context, never dimensions)."""
    if not metrics:
        raise ValueError("an EMF line needs at least one metric")
    document: dict[str, object] = dict(properties or {})
    document.update(dimensions)
    document.update({name: value for name, (value, _) in metrics.items()})
    directives = _directives(
        tuple(tuple(names) for names in dimension_sets),
        tuple((name, unit) for name, (_, unit) in metrics.items()),
    )
    stamp = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
    text = json.dumps(document, separators=(",", ":"), default=str)
    # The document ends with "}": the _aws member is appended inside it.
    return f'{text[:-1]},"_aws":{{"Timestamp":{stamp},"CloudWatchMetrics":{directives}}}}}'


def throttled(error: BaseException | None) -> bool:
    """Whether DynamoDB's refusal for capacity is anywhere in the error's causes."""
    while error is not None:
        code = getattr(error, "cause_response_code", None)
        response = getattr(error, "response", None)
        if code is None and isinstance(response, dict):
            code = response.get("Error", {}).get("Code")
        if code in THROTTLE_CODES:
            return True
        error = error.__cause__ or error.__context__
    return False
