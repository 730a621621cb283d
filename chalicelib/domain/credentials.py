"""Which credential a request carries: an API key (``X-API-Key``) or a bearer token
(``Authorization: Bearer <token>``).

One reading for the authorizer (every event shape) and the management API, so the two
can never disagree on what a request presented. Standard library only, and a few
microseconds: the authorizer runs this on every request.

A header sent twice carries no credential at all: gateways disagree on which copy counts
(API Gateway REST keeps the last in ``headers`` and all in ``multiValueHeaders``; HTTP API
joins them with a comma; ``chalice local`` keeps one), so picking one would let a wrong
credential be outvoted by a right one. Neither a key nor a bearer token holds a comma, so
a comma in either header is the mark of a joined repeat.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

API_KEY_HEADER = "x-api-key"
AUTHORIZATION_HEADER = "authorization"
BEARER = "bearer "


@dataclass(frozen=True)
class Credentials:
    """The request's credential headers, each read once."""

    api_key: str | None
    authorization: str | None  # the Authorization header's value, whatever its scheme
    # An X-API-Key or Authorization header sent more than once (or comma-joined).
    ambiguous: bool = False

    @property
    def bearer(self) -> str | None:
        """The token of an ``Authorization: Bearer <token>`` header, else None."""
        return bearer_token(self.authorization)


def bearer_token(value: str | None) -> str | None:
    """The token of a ``Bearer <token>`` value (any case of the scheme), else None."""
    if value is None or value[: len(BEARER)].lower() != BEARER:
        return None
    return value[len(BEARER) :].strip() or None


def _items(source: Any) -> Any:
    """The (name, value) pairs of a header map; a wrong type counts as absent."""
    return source.items() if isinstance(source, Mapping) else ()


def _values(headers: Any, multi_value_headers: Any, wanted: str) -> set[str]:
    """Every distinct value of header ``wanted`` (lower case): ``headers`` holds one string
    per name, ``multiValueHeaders`` a list of them."""
    values = {
        value
        for name, value in _items(headers)
        if isinstance(name, str) and name.lower() == wanted and isinstance(value, str)
    }
    for name, many in _items(multi_value_headers):
        if isinstance(name, str) and name.lower() == wanted and isinstance(many, list):
            values.update(value for value in many if isinstance(value, str))
    return values


def _one(values: set[str]) -> tuple[str | None, bool]:
    """The one value, or (None, True) when there were several or a comma-joined list."""
    if len(values) > 1 or any("," in value for value in values):
        return None, True
    return next(iter(values), None), False


def read_credentials(headers: Any, multi_value_headers: Any = None) -> Credentials:
    """The credentials in a request's headers (``headers`` may be a plain dict with any
    case of names, as authorizer events carry, or Chalice's case-insensitive mapping)."""
    key, key_repeated = _one(_values(headers, multi_value_headers, API_KEY_HEADER))
    authorization, auth_repeated = _one(_values(headers, multi_value_headers, AUTHORIZATION_HEADER))
    return Credentials(key, authorization, key_repeated or auth_repeated)


def read_token(token: Any) -> Credentials:
    """The credential of a TOKEN authorizer event's ``authorizationToken``: a bearer token
    when it starts ``Bearer ``, else a key."""
    if not isinstance(token, str):
        return Credentials(None, None)
    _, repeated = _one({token})
    if repeated:
        return Credentials(None, None, ambiguous=True)
    if bearer_token(token) is not None:
        return Credentials(None, token)
    return Credentials(token, None)
