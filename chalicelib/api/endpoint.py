"""The one way a management route is declared.

``Routes.route`` wraps a handler with everything every route shares: authentication,
parsing the body and query with pydantic, turning any error into a problem document, and
recording the route for the OpenAPI document. Chalice middleware does not see exceptions
raised in REST views, so the errors are caught here, per view, once. Parsing and
serializing live in payload.py, the OpenAPI record of each route in operations.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from chalice import Blueprint, Response
from pydantic import BaseModel

from chalicelib.api import request_ids
from chalicelib.api.auth import Principal, authenticate, authenticate_platform, source_ip
from chalicelib.api.cursor import Cursors
from chalicelib.api.operations import OPERATIONS, Operation
from chalicelib.api.payload import parse_body, parse_query, raw_bytes, to_response
from chalicelib.api.problems import problem_for
from chalicelib.api.telemetry import RequestRecord, request_id_of
from chalicelib.api.telemetry import record as record_request
from chalicelib.domain.records import Actor, Origin
from chalicelib.wiring.services import Services, get_services

Body = TypeVar("Body", bound=BaseModel)


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


def listing_cursors(call: Call[Any]) -> Cursors:
    """The deployment's cursor signer (built with the services)."""
    assert call.services.cursors is not None, "build_services always makes one"
    return call.services.cursors


# Public routes (the verify endpoint) have no caller; this principal has no tenant and no
# permission, so a handler that wrongly used it could reach nothing.
ANONYMOUS = Principal("", Actor(type="system", id="anonymous", name="anonymous"), frozenset())
Handler = Callable[[Call[Any]], BaseModel | Response | None]


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
        platform: bool = False,
    ) -> Callable[[Handler], Handler]:
        """Declare a route. With ``raw_body`` the body model is documented but not parsed
        here: the handler checks the raw bytes first (a signed body) and parses them itself.
        With ``platform`` only a platform credential may call it (the provider's side)."""
        parsed = None if raw_body else body
        blueprint = self.blueprint
        check = authenticate_platform if platform else authenticate

        def register(handler: Handler) -> Handler:
            def view(**params: str) -> Response:
                request = blueprint.current_request
                # Operations (issue 17): each request's log line and metrics.
                seen = RequestRecord(
                    f"{method} {path}",
                    time.perf_counter(),
                    request_id_of(request.context, blueprint.lambda_context),
                )
                try:
                    services = get_services()
                    principal = (
                        ANONYMOUS
                        if public
                        else check(
                            services,
                            request.headers,
                            request.context,
                            method,
                            request.to_original_event().get("multiValueHeaders"),
                        )
                    )
                    seen.principal = principal
                    call: Call[Any] = Call(
                        principal,
                        services,
                        parse_body(request.raw_body, parsed, body_optional) if parsed else None,
                        parse_query(request.query_params, query) if query else None,
                        params,
                        request.headers,
                        raw_bytes(request.raw_body),
                        request.context,
                    )
                    response = to_response(handler(call), status)
                except Exception as error:  # every error becomes a problem document
                    seen.error = error
                    response = problem_for(error)
                seen.status = response.status_code
                record_request(seen)
                return response

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
