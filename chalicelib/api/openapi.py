"""The OpenAPI 3.1 document, generated from the routes and the pydantic models they use."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from chalicelib.api.idempotency import KEY_PATTERN
from chalicelib.api.lockout import CONFIRM_HEADER
from chalicelib.api.operations import OPERATIONS, Route
from chalicelib.api.path_ids import schema_for
from chalicelib.api.payload import MAX_BODY_BYTES
from chalicelib.api.schemas import Problem
from chalicelib.api.schemas.common import drop_null
from chalicelib.api.schemas.leaks import GITHUB_MAX_BODY_BYTES

REF = "#/components/schemas/{model}"
BODY_RULE = (
    f"A JSON object in UTF-8, at most {MAX_BODY_BYTES // 1024} KiB; anything else is a 400 "
    "`malformed_json`."
)
# The one route with a 413 (GitHub's signed batches) checks its own larger size.
SIGNED_BODY_RULE = f"At most {GITHUB_MAX_BODY_BYTES // 1024} KiB; larger is a 413."
ONCE = "Send it once: a repeated or comma-joined header is refused with 401."
STATUS_TEXT = {
    400: "Malformed JSON",
    401: "Missing or invalid credential",
    403: "Permission denied",
    404: "Not found",
    409: "Conflict with the key's or tenant's state",
    413: "Body too large",
    422: "Invalid fields",
    503: "Store unavailable; retry",
}


def _models(
    operations: list[Route[Any, Any]],
) -> list[tuple[type[BaseModel], Literal["validation", "serialization"]]]:
    found: dict[type[BaseModel], Literal["validation", "serialization"]] = {
        Problem: "serialization"
    }
    for op in operations:
        if op.request_body:
            found[op.request_body] = "validation"
        if op.response:
            found[op.response] = "serialization"
        if op.replay:
            found[op.replay] = "serialization"
    return list(found.items())


CONFIRM_LOCKOUT: dict[str, Any] = {
    "name": CONFIRM_HEADER,
    "in": "header",
    "required": False,
    "description": (
        "`true` confirms a change that takes the calling key's own access away (revokes "
        "it, moves it to a group without keys:manage, takes keys:manage from its group, "
        "or puts the request's address outside its allowlist). Without it such a change "
        "is a 409 `would_lock_out_caller`. Removing the tenant's last key with "
        "keys:manage is a 409 `last_manager` either way. Any other value is a 422."
    ),
    "schema": {"type": "string", "enum": ["true"]},
}


def _parameters(op: Route[Any, Any]) -> list[dict[str, Any]]:
    params = [
        {"name": name, "in": "path", "required": True, "schema": schema_for(name)}
        for name in re.findall(r"{(\w+)}", op.path)
    ]
    if op.replay:
        params.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": (
                    "Retry safely: the same key and body within 24 h make nothing new. "
                    "1-255 printable ASCII characters without spaces (0x21-0x7E); "
                    "anything else is a 422 `validation_failed`."
                ),
                "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 255,
                    "pattern": KEY_PATTERN,
                },
            }
        )
    if op.confirms_lockout:
        params.append(CONFIRM_LOCKOUT)
    for header in op.headers:
        params.append(
            {"name": header, "in": "header", "required": True, "schema": {"type": "string"}}
        )
    if op.query:
        # Enums the query uses are components already (the responses use them too).
        schema = op.query.model_json_schema(ref_template=REF, by_alias=True)
        for name, prop in schema["properties"].items():
            drop_null(prop)
            param = {"name": name, "in": "query", "required": False, "schema": prop}
            if "description" in prop:  # where Swagger UI and client generators look for it
                param["description"] = prop.pop("description")
            params.append(param)
    return params


def _responses(op: Route[Any, Any]) -> dict[str, Any]:
    problem = {"application/problem+json": {"schema": {"$ref": REF.format(model="Problem")}}}
    ok: dict[str, Any] = {"description": "Success"}
    if op.response:
        ok["content"] = {
            "application/json": {"schema": {"$ref": REF.format(model=op.response.__name__)}}
        }
    responses: dict[str, Any] = {str(op.status): ok}
    if op.replay:
        replay: dict[str, Any] = {"$ref": REF.format(model=op.replay.__name__)}
        if op.status == 200 and op.response:  # rotate: a first answer or a replay
            replay = {"oneOf": [{"$ref": REF.format(model=op.response.__name__)}, replay]}
        responses["200"] = {
            "description": "A retry with the same Idempotency-Key: the key made, no secret",
            "content": {"application/json": {"schema": replay}},
        }
    statuses = {503, *op.errors} if op.public else {401, 403, 503, *op.errors}
    for status in sorted(statuses):
        responses[str(status)] = {"description": STATUS_TEXT[status], "content": problem}
    for response in responses.values():  # every answer names its request
        response["headers"] = {"X-Request-Id": {"$ref": "#/components/headers/RequestId"}}
    return responses


def _operation(op: Route[Any, Any]) -> dict[str, Any]:
    slug = re.sub(r"[^a-z0-9]+", "_", op.path.lower()).strip("_")
    entry: dict[str, Any] = {
        "summary": op.summary,
        "operationId": f"{op.method.lower()}_{slug}",
        "tags": list(op.tags),
        "parameters": _parameters(op),
        "responses": _responses(op),
    }
    if op.public:
        entry["security"] = []
    if op.request_body:
        entry["requestBody"] = {
            "required": not op.body_optional,
            "description": SIGNED_BODY_RULE if 413 in op.errors else BODY_RULE,
            "content": {
                "application/json": {"schema": {"$ref": REF.format(model=op.request_body.__name__)}}
            },
        }
    return entry


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    """The whole OpenAPI 3.1 document for every route declared through ``Routes``."""
    _, definitions = models_json_schema(_models(OPERATIONS), ref_template=REF)
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Latchkey management API",
            "version": "1",
            "description": "Create, review, edit, rotate and revoke a tenant's API keys. "
            "Errors are application/problem+json (RFC 9457) with a stable `code`.",
        },
        "servers": [{"url": "/"}],
        # Either credential: an API key, or a person's OpenID Connect token (README, "People
        # as operators").
        "security": [{"ApiKey": []}, {"Bearer": []}],
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {
                "ApiKey": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-API-Key",
                    "description": f"One key. {ONCE} Never beside an Authorization header.",
                },
                "Bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": f"An OpenID Connect token (Authorization: Bearer). {ONCE}",
                },
            },
            "headers": {
                "RequestId": {
                    "description": "API Gateway's request id (or one made up): the same id "
                    "is in this request's audit events and log lines.",
                    "schema": {"type": "string"},
                }
            },
        },
        "paths": paths,
    }
