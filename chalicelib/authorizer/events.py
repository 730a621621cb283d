"""Reads the three event shapes API Gateway sends a Lambda authorizer.

- REST API REQUEST events: ``X-API-Key`` in ``headers`` (any case) or ``multiValueHeaders``;
  source address from ``requestContext.identity.sourceIp``.
- REST API TOKEN events: the key is ``authorizationToken``; no source address exists, so a
  key with an IP allowlist is refused.
- HTTP API payload 2.0 events: lower-case headers, ``requestContext.http.sourceIp``.

The address is always the connection's, as API Gateway reports it: X-Forwarded-For is
never read.

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


def _header(event: dict[str, Any], wanted: str = API_KEY_HEADER) -> str | None:
    for name, value in (event.get("headers") or {}).items():
        if name.lower() == wanted and isinstance(value, str):
            return value
    for name, values in (event.get("multiValueHeaders") or {}).items():
        if name.lower() == wanted and values and isinstance(values[0], str):
            return str(values[0])
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


def parse_event(event: dict[str, Any]) -> AuthRequest:
    """The request an authorizer event describes."""
    context = event.get("requestContext") or {}
    if event.get("version") == "2.0":
        base, method, path = _split_arn(str(event.get("routeArn", "")))
        http = context.get("http") or {}
        method = str(http.get("method") or method).upper()
        path = str(event.get("rawPath") or http.get("path") or path)
        key, bearer = _credentials(_header(event), _header(event, AUTHORIZATION_HEADER))
        source = _address(http.get("sourceIp"))
        return AuthRequest(key, source, method, path, base, True, bearer)
    base, method, path = _split_arn(str(event.get("methodArn", "")))
    if event.get("type") == "TOKEN":
        token = event.get("authorizationToken")
        token = token if isinstance(token, str) else None
        bearer = _bearer(token)
        return AuthRequest(None if bearer else token, None, method, path, base, False, bearer)
    if event.get("type") == "REQUEST":
        source = _address((context.get("identity") or {}).get("sourceIp"))
        key, bearer = _credentials(_header(event), _header(event, AUTHORIZATION_HEADER))
        return AuthRequest(key, source, method, path, base, False, bearer)
    raise UnsupportedEvent("not a TOKEN, REQUEST or HTTP API 2.0 authorizer event")
