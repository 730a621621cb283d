"""Reads the three event shapes API Gateway sends a Lambda authorizer.

- REST API REQUEST events: ``X-API-Key`` in ``headers`` (any case) or ``multiValueHeaders``;
  source address from ``requestContext.identity.sourceIp``.
- REST API TOKEN events: the key is ``authorizationToken``; no source address exists, so a
  key with an IP allowlist is refused.
- HTTP API payload 2.0 events: lower-case headers, ``requestContext.http.sourceIp``.

The address is always the connection's, as API Gateway reports it: X-Forwarded-For is
never read. Any part of an event may have the wrong type (a string where an object belongs,
a list for the event): it then counts as absent, and the decision denies; nothing raises
but :class:`UnsupportedEvent`.

Access tokens come as ``Authorization: Bearer <token>`` (REQUEST and HTTP API events) or
as a TOKEN event's ``authorizationToken`` starting ``Bearer ``. The headers are read by
:mod:`chalicelib.domain.credentials`, as the management API reads them. A request carrying
both a key and a bearer token carries neither, and one whose X-API-Key or Authorization
header came twice (or comma-joined) is ambiguous and denied: a wrong credential is never
outvoted by a right one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.domain.credentials import read_credentials, read_token


class UnsupportedEvent(ValueError):
    """Raised when an event is none of the three shapes."""


@dataclass(frozen=True)
class AuthRequest:
    """What the decision needs from an event."""

    token: str | None
    source_ip: str | None
    method: str
    path: str
    arn_base: str  # arn:aws:execute-api:REGION:ACCOUNT:API_ID/STAGE
    http_api: bool
    # Several X-API-Key or Authorization values: which one counts differs by gateway, so
    # none does.
    ambiguous: bool = False
    bearer: str | None = None  # an access token

    @property
    def route(self) -> tuple[str, str]:
        return self.method, self.path


def _split_arn(arn: str) -> tuple[str, str, str]:
    """``arn:...:api/stage/METHOD/path...`` -> (``arn:...:api/stage``, METHOD, ``/path``)."""
    # Split at the first five colons only: the path itself may hold colons.
    fields = arn.split(":", 5)
    if len(fields) != 6 or fields[0] != "arn" or fields[2] != "execute-api":
        raise UnsupportedEvent("the event's method ARN is not an execute-api ARN")
    parts = fields[5].split("/", 3)
    if len(parts) < 3:
        raise UnsupportedEvent("the event's method ARN names no stage and method")
    path = "/" + (parts[3] if len(parts) > 3 else "")
    prefix = ":".join(fields[:5])
    return f"{prefix}:{parts[0]}/{parts[1]}", parts[2].upper(), path


def _mapping(value: Any) -> dict[Any, Any]:
    """``value`` if it is an object, else an empty one: a wrong type counts as absent."""
    return value if isinstance(value, dict) else {}


def _credentials(event: dict[str, Any]) -> tuple[str | None, str | None, bool]:
    """(key, bearer token, ambiguous); neither credential when both were sent."""
    found = read_credentials(event.get("headers"), event.get("multiValueHeaders"))
    bearer = found.bearer
    if found.api_key is not None and bearer is not None:
        return None, None, found.ambiguous
    return found.api_key, bearer, found.ambiguous


def _address(value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    # SAM's sample events write a single address as a /32 network.
    for suffix in ("/32", "/128"):
        if value.endswith(suffix):
            return value[: -len(suffix)]
    return value


def _text(value: Any, default: str) -> str:
    return value if isinstance(value, str) and value else default


def parse_event(event: Any) -> AuthRequest:
    """The request an authorizer event describes."""
    if not isinstance(event, dict):
        raise UnsupportedEvent("the event is not a JSON object")
    context = _mapping(event.get("requestContext"))
    if event.get("version") == "2.0":
        base, method, path = _split_arn(_text(event.get("routeArn"), ""))
        http = _mapping(context.get("http"))
        method = _text(http.get("method"), method).upper()
        path = _text(event.get("rawPath"), _text(http.get("path"), path))
        key, bearer, ambiguous = _credentials(event)
        source = _address(http.get("sourceIp"))
        return AuthRequest(key, source, method, path, base, True, ambiguous, bearer)
    base, method, path = _split_arn(_text(event.get("methodArn"), ""))
    if event.get("type") == "TOKEN":
        found = read_token(event.get("authorizationToken"))
        return AuthRequest(
            found.api_key, None, method, path, base, False, found.ambiguous, found.bearer
        )
    if event.get("type") == "REQUEST":
        source = _address(_mapping(context.get("identity")).get("sourceIp"))
        key, bearer, ambiguous = _credentials(event)
        return AuthRequest(key, source, method, path, base, False, ambiguous, bearer)
    raise UnsupportedEvent("not a TOKEN, REQUEST or HTTP API 2.0 authorizer event")


def request_id_of(event: Any) -> str | None:
    """The downstream request's id (``requestContext.requestId``) for the logs, when the
    event has one: REQUEST and HTTP API events do, TOKEN events do not."""
    context = event.get("requestContext") if isinstance(event, dict) else None
    value = context.get("requestId") if isinstance(context, dict) else None
    return value if isinstance(value, str) and value else None
