"""One id per management-API request: in its ``X-Request-Id``, audit events and log lines.

The id is API Gateway's ``requestContext.requestId`` when there is one, so a support ticket
quoting the header finds API Gateway's own access log too; elsewhere (``make dev``, chalice
local, tests) one is made up. An HTTP middleware sets it for the request's duration, and a
log-record factory writes it at the start of every line logged meanwhile.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from chalice import Response
from chalice.app import Request

HEADER = "X-Request-Id"
# API Gateway's ids are UUIDs; anything else in the field is not trusted into a header.
_SAFE = re.compile(r"[A-Za-z0-9\-_.:]{1,128}")
_current: ContextVar[str | None] = ContextVar("latchkey_request_id", default=None)


def current() -> str | None:
    """The id of the request being served, or None outside one."""
    return _current.get()


def request_id_of(context: Any) -> str:
    """API Gateway's id for this request, or a new one."""
    given = context.get("requestId") if isinstance(context, dict) else None
    if isinstance(given, str) and _SAFE.fullmatch(given):
        return given
    return str(uuid.uuid4())


def request_ids(request: Request, get_response: Callable[[Request], Response]) -> Response:
    """Chalice HTTP middleware: every response, success or problem, names its request."""
    token = _current.set(request_id_of(request.context))
    try:
        response = get_response(request)
        response.headers[HEADER] = _current.get() or ""
        return response
    finally:
        _current.reset(token)


def install_log_prefix() -> None:
    """Prefix every log line written during a request with its id (idempotent)."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "latchkey_request_ids", False):
        return

    def record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        made = factory(*args, **kwargs)
        request_id = _current.get()
        made.request_id = request_id
        if request_id is not None:
            made.msg = f"request {request_id}: {made.msg}"
        return made

    record.latchkey_request_ids = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(record)
