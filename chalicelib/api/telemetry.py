"""What the management API logs and measures for each request, with Powertools.

An HTTP middleware (:func:`record_requests`) measures every request the app serves,
whichever blueprint answers it: the ``/v1`` routes, the token endpoint, discovery, the API
reference and the console. A ``/v1`` route adds what only it knows (the caller, the error
it turned into a problem) through :func:`note`.

One JSON log line per request (route template, status, duration, request id, and the
caller's tenant and key id once known) and its metrics, flushed once per request:
``ApiRequests`` by Route and StatusClass, ``ApiServerErrors`` (its Average is the 5xx
rate), ``ApiLatency``, and ``DynamoDBThrottles`` when a store call was throttled.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from contextlib import suppress
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from chalice import Response
from chalice.app import Request

from chalicelib.api.auth import Principal
from chalicelib.observability import metrics as m
from chalicelib.observability import toolkit
from chalicelib.observability.event_metrics import single
from chalicelib.observability.log import fields


def request_id_of(context: Mapping[str, Any], lambda_context: Any = None) -> str | None:
    """API Gateway's id of the request (``requestContext.requestId``), else the Lambda
    invocation's (``chalice local`` and its test client send no API Gateway id)."""
    value = context.get("requestId") or getattr(lambda_context, "aws_request_id", None)
    return value if isinstance(value, str) and value else None


@dataclass
class RequestRecord:
    """One request as the edge saw it."""

    route: str  # the template, e.g. "GET /v1/keys/{key_id}": low cardinality
    started: float
    request_id: str | None
    principal: Principal | None = None
    status: int = 500
    error: BaseException | None = None


_current: ContextVar[RequestRecord | None] = ContextVar("latchkey_request", default=None)


def record_requests(request: Request, get_response: Callable[[Request], Response]) -> Response:
    """Chalice HTTP middleware: the log line and metrics of every request."""
    context = request.context
    method = context.get("httpMethod") or request.method
    # The route's template (``/v1/keys/{key_id}``, ``/console/{name}``): low cardinality.
    path = context.get("resourcePath") or request.path
    seen = RequestRecord(
        f"{method} {path}",
        time.perf_counter(),
        request_id_of(context, getattr(request, "lambda_context", None)),
    )
    token = _current.set(seen)
    try:
        response = get_response(request)
        seen.status = response.status_code
        return response
    finally:
        _current.reset(token)
        record(seen)


def note(principal: Principal | None = None, error: BaseException | None = None) -> None:
    """Tell the current request's record who called, or which error its answer stands for."""
    seen = _current.get()
    if seen is None:
        return
    if principal is not None:
        seen.principal = principal
    if error is not None:
        seen.error = error


def _key_id(principal: Principal | None) -> str | None:
    if principal is None or principal.actor.type != "key":
        return None
    return principal.actor.id


def record(request: RequestRecord) -> None:
    """Log the request and flush its metrics; a failure to do so never changes the answer."""
    with suppress(Exception):
        _record(request)


def _record(request: RequestRecord) -> None:
    """Log the request and flush its metrics (one EMF line per dimension set)."""
    duration = (time.perf_counter() - request.started) * 1000
    status_class = m.status_class(request.status)
    server_error = request.status >= 500
    tenant = request.principal.tenant_id if request.principal else None
    logger = toolkit.logger(m.API)
    (logger.error if server_error else logger.info)(
        "request",
        # request_id: written by the request-id log factory (chalicelib/api/request_ids.py);
        # naming it here too would make logging refuse the line.
        extra=fields(
            function="api",
            tenant_id=tenant or None,
            key_id=_key_id(request.principal),
            route=request.route,
            status=request.status,
            outcome=status_class,
            duration_ms=round(duration, 3),
            error=type(request.error).__name__ if server_error and request.error else None,
        ),
    )
    metrics = toolkit.metrics(m.API)
    metrics.add_metric(name=m.API_SERVER_ERRORS, unit="Count", value=int(server_error))
    metrics.add_metric(name=m.API_LATENCY, unit="Milliseconds", value=round(duration, 3))
    if m.throttled(request.error):
        metrics.add_metric(name=m.DYNAMODB_THROTTLES, unit="Count", value=1)
    metrics.flush_metrics()
    with single(m.API_REQUESTS, m.API) as metric:
        metric.add_dimension(name=m.ROUTE_DIMENSION, value=request.route)
        metric.add_dimension(name=m.STATUS_CLASS_DIMENSION, value=status_class)
