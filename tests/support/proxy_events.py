"""API Gateway's REST proxy events for the app, and the app invoked as Lambda invokes it.

Chalice's test client builds its own events; these are built as API Gateway builds them
(``requestContext.requestId``, lower-cased ``headers``, ``multiValueHeaders``), for tests
of what only a real event carries.
"""

from __future__ import annotations

import json
from typing import Any

from app import app

GATEWAY_ID = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"


class LambdaContext:
    function_name = "api_handler"
    aws_request_id = "lambda-request-id"


def rest_event(
    method: str,
    path: str,
    headers: dict[str, str],
    body: Any = None,
    request_id: str | None = GATEWAY_ID,
    multi_value_headers: dict[str, list[str]] | None = None,
    resource: str | None = None,
) -> dict[str, Any]:
    """A REST API proxy event for ``app``, as API Gateway builds one."""
    context: dict[str, Any] = {
        "httpMethod": method,
        "resourcePath": resource or path,
        "path": path,
        "identity": {"sourceIp": "198.51.100.7"},
    }
    if request_id is not None:
        context["requestId"] = request_id
    return {
        "requestContext": context,
        "headers": {name.lower(): value for name, value in headers.items()},
        "multiValueHeaders": multi_value_headers or {},
        "pathParameters": None,
        "stageVariables": {},
        "multiValueQueryStringParameters": None,
        "body": None if body is None else json.dumps(body),
        "isBase64Encoded": False,
    }


def invoke(event: dict[str, Any]) -> dict[str, Any]:
    response: dict[str, Any] = app(event, LambdaContext())
    return response
