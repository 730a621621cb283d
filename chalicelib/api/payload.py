"""A route's input and output: the JSON body and the query parsed, the answer serialized.

Malformed JSON is a 400 and wrong fields a 422 (problem documents, chalicelib/api/problems.py);
an answer is the handler's model as JSON, or the handler's own ``Response`` (a replay).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from chalice import Response
from pydantic import BaseModel, ValidationError

from chalicelib.api.problems import MalformedBody, field_errors
from chalicelib.domain.errors import InvalidInput

MAX_BODY_BYTES = 64 * 1024


def parse_body(raw: str | bytes | None, model: type[BaseModel], optional: bool) -> BaseModel:
    """Parse a JSON object body; malformed JSON is a 400, wrong fields a 422."""
    if not raw or not raw.strip():
        if optional:
            return model.model_validate({})
        raise MalformedBody("the request body must be a JSON object")
    if len(raw) > MAX_BODY_BYTES:
        raise MalformedBody(f"the request body is larger than {MAX_BODY_BYTES} bytes")
    try:
        # UTF-8 only (RFC 8259): json.loads would also guess UTF-16 and UTF-32 from bytes.
        data = json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
    except (ValueError, RecursionError):
        raise MalformedBody("the request body is not valid UTF-8 JSON") from None
    if not isinstance(data, dict):
        raise MalformedBody("the request body must be a JSON object")
    return model.model_validate(data)


def parse_query(params: Mapping[str, str] | None, model: type[BaseModel]) -> BaseModel:
    try:
        return model.model_validate(dict(params or {}))
    except ValidationError as error:  # an unknown parameter is "query", never its name
        raise InvalidInput(
            "the request has invalid fields", errors=field_errors(error, "query")
        ) from None


def raw_bytes(raw: str | bytes | None) -> bytes:
    return raw.encode() if isinstance(raw, str) else (raw or b"")


def to_response(result: BaseModel | Response | None, status: int) -> Response:
    if isinstance(result, Response):  # a handler that chose its own status (a replay)
        return result
    if result is None:
        return Response(body="", status_code=status)
    return Response(
        body=result.model_dump_json(),
        status_code=status,
        headers={"Content-Type": "application/json"},
    )
