"""The one way a management route is served.

``Routes.route`` takes a :class:`Route` (chalicelib/api/operations.py) and wraps a handler
with everything every route shares: authentication, parsing the body and query with
pydantic, turning any error into a problem document, and recording the route for the
OpenAPI document. Chalice middleware does not see exceptions raised in REST views, so the
errors are caught here, per view, once. Parsing and serializing live in payload.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, cast

from chalice import Blueprint, Response
from pydantic import BaseModel

from chalicelib.api import request_ids
from chalicelib.api.auth import Principal, authenticate, authenticate_platform, source_ip
from chalicelib.api.cursor import Cursors
from chalicelib.api.lockout import caller_of
from chalicelib.api.operations import OPERATIONS, Body, Query, Route, parsed_model
from chalicelib.api.path_ids import check_ids
from chalicelib.api.payload import parse_body, parse_query, raw_bytes, to_response
from chalicelib.api.problems import problem_for
from chalicelib.api.telemetry import note
from chalicelib.domain.lockout import Caller
from chalicelib.domain.records import Actor, Origin
from chalicelib.wiring.services import Services, get_services


@dataclass(frozen=True)
class Call(Generic[Body, Query]):
    """What a handler receives: the caller, the input its ``Route`` parsed, the services.

    ``Call[KeyCreate]`` has a ``KeyCreate`` body and no query; ``Call[None, KeyListQuery]``
    the reverse; a bare ``Call`` neither.
    """

    principal: Principal  # ANONYMOUS on public routes
    services: Services
    body: Body
    query: Query
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


AnyCall = Call[Any, Any]  # for helpers every handler shares


def caller(call: AnyCall) -> Caller:
    """The calling credential, for the lockout rule (chalicelib/api/lockout.py)."""
    return caller_of(call.principal, call.headers, call.context)


def listing_cursors(call: AnyCall) -> Cursors:
    """The deployment's cursor signer (built with the services)."""
    assert call.services.cursors is not None, "build_services always makes one"
    return call.services.cursors


# Public routes (the verify endpoint) have no caller; this principal has no tenant and no
# permission, so a handler that wrongly used it could reach nothing.
ANONYMOUS = Principal("", Actor(type="system", id="anonymous", name="anonymous"), frozenset())
Handler = Callable[[Call[Body, Query]], BaseModel | Response | None]


class Routes:
    """A Chalice blueprint whose routes share authentication, parsing and errors."""

    def __init__(self, name: str) -> None:
        self.blueprint = Blueprint(name)

    def route(
        self, spec: Route[Body, Query]
    ) -> Callable[[Handler[Body, Query]], Handler[Body, Query]]:
        """Serve the decorated handler as ``spec`` says, and record ``spec`` for the document."""
        blueprint = self.blueprint
        no_store = carries_secret(spec.response)

        def register(handler: Handler[Body, Query]) -> Handler[Body, Query]:
            def view(**params: str) -> Response:
                request = blueprint.current_request
                # The request's log line and metrics are written by telemetry's middleware;
                # the route tells it the caller and the error behind a problem.
                try:
                    services = get_services()
                    principal = ANONYMOUS if spec.public else _caller(services, request, spec)
                    note(principal=principal)
                    check_ids(params)  # before the body is read or any id reaches DynamoDB
                    call = Call(
                        principal,
                        services,
                        _body(spec, request.raw_body),
                        _query(spec, request.query_params),
                        params,
                        request.headers,
                        raw_bytes(request.raw_body),
                        request.context,
                    )
                    response = to_response(handler(call), spec.status)
                except Exception as error:  # every error becomes a problem document
                    note(error=error)
                    response = problem_for(error)
                if no_store:
                    response.headers.update(NO_STORE)
                return response

            view.__name__ = handler.__name__
            view.__doc__ = handler.__doc__
            blueprint.route(spec.path, methods=[spec.method], content_types=_ANY_CONTENT)(view)
            OPERATIONS.append(spec)
            return handler

        return register


def _caller(services: Services, request: Any, spec: Route[Any, Any]) -> Principal:
    # A platform route takes only a platform credential (the provider's side).
    check = authenticate_platform if spec.platform else authenticate
    return check(
        services,
        request.headers,
        request.context,
        spec.method,
        request.to_original_event().get("multiValueHeaders"),
    )


def _body(spec: Route[Body, Any], raw: str | bytes | None) -> Body:
    # An instance of spec.body, which is what Body stands for (None: the route has none).
    model = parsed_model(spec.body)
    return cast(Body, model and parse_body(raw, model, spec.body_optional))


def _query(spec: Route[Any, Query], params: Mapping[str, str] | None) -> Query:
    model = parsed_model(spec.query)
    return cast(Query, model and parse_query(params, model))


# An answer that may hold a secret is kept by no cache, shared or private (RFC 9111 5.2.2.5):
# a browser's disk cache or a proxy would otherwise hold the only copy of a live key. Set on
# every answer of such a route, its errors and replays included, so no branch forgets it.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def carries_secret(response: type[BaseModel] | None) -> bool:
    """Whether a route's answer holds a secret: its model has a ``secret`` field."""
    return response is not None and "secret" in response.model_fields


# Every content type reaches the view: Chalice would answer others with its own 415 before
# authentication, so a revoked key sending text/html learnt something other than 401.
# The body is parsed here, as JSON, whatever its label.
_ANY_CONTENT = ["*/*"]
