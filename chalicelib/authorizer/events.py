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

Access tokens (issue 15) come as ``Authorization: Bearer <token>`` (REQUEST and HTTP API
events) or as a TOKEN event's ``authorizationToken`` starting ``Bearer ``. A request
carrying both a key and a bearer token carries neither: a wrong credential is never
outvoted by a right one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

API_KEY_HEADER = "x-api-key"
AUTHORIZATION_HEADER = "authorization"
BEARER = "bearer "


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
    # Several distinct X-API-Key values: which one counts differs by gateway, so none does.
    ambiguous: bool = False
    bearer: str | None = None  # an access token (issue 15)

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


def _header_values(event: dict[str, Any]) -> list[str]:
    """Every X-API-Key value the event carries, in ``headers`` and ``multiValueHeaders``."""
    values = [
        value
        for name, value in _mapping(event.get("headers")).items()
        if isinstance(name, str) and name.lower() == API_KEY_HEADER and isinstance(value, str)
    ]
    for name, many in _mapping(event.get("multiValueHeaders")).items():
        if isinstance(name, str) and name.lower() == API_KEY_HEADER and isinstance(many, list):
            values += [value for value in many if isinstance(value, str)]
    return values


def _header(event: dict[str, Any]) -> tuple[str | None, bool]:
    """The one X-API-Key value, and whether there were several (or a comma-joined list)."""
    values = set(_header_values(event))
    # A key never holds a comma; a gateway that joins repeated headers puts one there.
    ambiguous = len(values) > 1 or any("," in value for value in values)
    return (None if ambiguous else next(iter(values), None)), ambiguous


def _authorization(event: dict[str, Any]) -> str | None:
    """The ``Authorization`` header's (first) value: where a bearer token comes."""
    for name, value in _mapping(event.get("headers")).items():
        if isinstance(name, str) and name.lower() == AUTHORIZATION_HEADER:
            return value if isinstance(value, str) else None
    for name, many in _mapping(event.get("multiValueHeaders")).items():
        if isinstance(name, str) and name.lower() == AUTHORIZATION_HEADER:
            first = many[0] if isinstance(many, list) and many else None
            return first if isinstance(first, str) else None
    return None


def _bearer(value: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` value (any case of the scheme)."""
    if value is None or value[: len(BEARER)].lower() != BEARER:
        return None
    return value[len(BEARER) :].strip() or None


def _credentials(key: str | None, authorization: str | None) -> tuple[str | None, str | None]:
    """(key, bearer token); both None when both were sent."""
    bearer = _bearer(authorization)
    if key is not None and bearer is not None:
        return None, None
    return key, bearer


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
        token, ambiguous = _header(event)
        key, bearer = _credentials(token, _authorization(event))
        source = _address(http.get("sourceIp"))
        return AuthRequest(key, source, method, path, base, True, ambiguous, bearer)
    base, method, path = _split_arn(_text(event.get("methodArn"), ""))
    if event.get("type") == "TOKEN":
        token = event.get("authorizationToken")
        token = token if isinstance(token, str) else None
        bearer = _bearer(token)
        key = None if bearer else token
        return AuthRequest(key, None, method, path, base, False, bearer=bearer)
    if event.get("type") == "REQUEST":
        source = _address(_mapping(context.get("identity")).get("sourceIp"))
        token, ambiguous = _header(event)
        key, bearer = _credentials(token, _authorization(event))
        return AuthRequest(key, source, method, path, base, False, ambiguous, bearer)
    raise UnsupportedEvent("not a TOKEN, REQUEST or HTTP API 2.0 authorizer event")
