"""The one way a management route is declared.

``Routes.route`` wraps a handler with everything every route shares: authentication,
parsing the body and query with pydantic, turning any error into a problem document, and
recording the route for the OpenAPI document. Chalice middleware does not see exceptions
raised in REST views, so the errors are caught here, per view, once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from chalice import Blueprint, Response
from pydantic import BaseModel, ValidationError

from chalicelib.api import request_ids
from chalicelib.api.auth import Principal, authenticate, source_ip
from chalicelib.api.cursor import Cursors
from chalicelib.api.problems import MalformedBody, field_errors, problem_for
from chalicelib.container import Services, get_services
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.records import Actor, Origin

Body = TypeVar("Body", bound=BaseModel)
MAX_BODY_BYTES = 64 * 1024


@dataclass(frozen=True)
class Call(Generic[Body]):
    """What a handler receives: the caller, the parsed input and the services."""

    principal: Principal  # ANONYMOUS on public routes
    services: Services
    body: Any
    query: Any
    params: dict[str, str]
    headers: Mapping[str, str] = field(default_factory=dict)
    raw_body: bytes = b""
    context: Mapping[str, Any] = field(default_factory=dict)

    @property
    def origin(self) -> Origin:
        """Who is calling and from where, as the audit trail records it."""
        return Origin(
            self.principal.actor,
            source_ip(dict(self.context)),
            self.headers.get("user-agent"),
            request_ids.current() or request_ids.request_id_of(self.context),
        )


@dataclass(frozen=True)
class Operation:
    """What the OpenAPI document says of one route."""

    path: str
    method: str
    summary: str
    status: int
    response: type[BaseModel] | None
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    tags: tuple[str, ...] = field(default_factory=tuple)
    public: bool = False
    # Accepts Idempotency-Key; a replay answers 200 with ``replay``.
    replay: type[BaseModel] | None = None
    # No body at all means the body model's defaults (rotate).
    body_optional: bool = False
    # Leaked keys: request headers the route requires (GitHub's signature headers).
    headers: tuple[str, ...] = ()


def listing_cursors(call: Call[Any]) -> Cursors:
    """The deployment's cursor signer (built with the services)."""
    assert call.services.cursors is not None, "build_services always makes one"
    return call.services.cursors


OPERATIONS: list[Operation] = []
# Public routes (the verify endpoint) have no caller; this principal has no tenant and no
# permission, so a handler that wrongly used it could reach nothing.
ANONYMOUS = Principal("", Actor(type="system", id="anonymous", name="anonymous"), frozenset())
Handler = Callable[[Call[Any]], BaseModel | Response | None]


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


def _bytes(raw: str | bytes | None) -> bytes:
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


class Routes:
    """A Chalice blueprint whose routes share authentication, parsing and errors."""

    def __init__(self, name: str) -> None:
        self.blueprint = Blueprint(name)

    def route(
        self,
        path: str,
        method: str,
        *,
        summary: str,
        response: type[BaseModel] | None,
        status: int = 200,
        body: type[BaseModel] | None = None,
        body_optional: bool = False,
        query: type[BaseModel] | None = None,
        errors: tuple[int, ...] = (),
        tag: str = "keys",
        public: bool = False,
        replay: type[BaseModel] | None = None,
        raw_body: bool = False,
        headers: tuple[str, ...] = (),
    ) -> Callable[[Handler], Handler]:
        """Declare a route. With ``raw_body`` the body model is documented but not parsed
        here: the handler checks the raw bytes first (a signed body) and parses them itself."""
        parsed = None if raw_body else body
        blueprint = self.blueprint

        def register(handler: Handler) -> Handler:
            def view(**params: str) -> Response:
                request = blueprint.current_request
                try:
                    services = get_services()
                    principal = (
                        ANONYMOUS
                        if public
                        else authenticate(
                            services,
                            request.headers,
                            request.context,
                            method,
                            request.to_original_event().get("multiValueHeaders"),
                        )
                    )
                    call: Call[Any] = Call(
                        principal,
                        services,
                        parse_body(request.raw_body, parsed, body_optional) if parsed else None,
                        parse_query(request.query_params, query) if query else None,
                        params,
                        request.headers,
                        _bytes(request.raw_body),
                        request.context,
                    )
                    return to_response(handler(call), status)
                except Exception as error:  # every error becomes a problem document
                    return problem_for(error)

            view.__name__ = handler.__name__
            view.__doc__ = handler.__doc__
            blueprint.route(path, methods=[method], content_types=_ANY_CONTENT)(view)
            OPERATIONS.append(
                Operation(
                    path,
                    method,
                    summary,
                    status,
                    response,
                    body,
                    query,
                    errors,
                    (tag,),
                    public,
                    replay,
                    body_optional,
                    headers,
                )
            )
            return handler

        return register


# Every content type reaches the view: Chalice would answer others with its own 415 before
# authentication, so a revoked key sending text/html learnt something other than 401.
# The body is parsed here, as JSON, whatever its label.
_ANY_CONTENT = ["*/*"]
