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


NONE = Credentials(None, None)
AMBIGUOUS = Credentials(None, None, ambiguous=True)


def bearer_token(value: str | None) -> str | None:
    """The token of a ``Bearer <token>`` value (any case of the scheme), else None."""
    if value is None or value[: len(BEARER)].lower() != BEARER:
        return None
    return value[len(BEARER) :].strip() or None


def _items(source: Any) -> Any:
    """The (name, value) pairs of a header map; a wrong type counts as absent."""
    if source is None:
        return ()
    if isinstance(source, dict | Mapping):  # dict first: the fast check
        return source.items()
    return ()


def _collect(headers: Any, multi_value_headers: Any) -> tuple[set[str], set[str]]:
    """Every distinct X-API-Key value and every distinct Authorization value, in one pass
    over each map: ``headers`` holds one string per name, ``multiValueHeaders`` a list."""
    keys: set[str] = set()
    authorizations: set[str] = set()
    for name, value in _items(headers):
        if isinstance(name, str) and isinstance(value, str):
            lower = name.lower()
            if lower == API_KEY_HEADER:
                keys.add(value)
            elif lower == AUTHORIZATION_HEADER:
                authorizations.add(value)
    for name, many in _items(multi_value_headers):
        if isinstance(name, str) and isinstance(many, list):
            lower = name.lower()
            found = (
                keys
                if lower == API_KEY_HEADER
                else authorizations
                if lower == AUTHORIZATION_HEADER
                else None
            )
            if found is not None:
                found.update(value for value in many if isinstance(value, str))
    return keys, authorizations


def _one(values: set[str]) -> tuple[str | None, bool]:
    """The one value, or (None, True) when there were several or a comma-joined list."""
    if len(values) > 1 or any("," in value for value in values):
        return None, True
    return next(iter(values), None), False


def read_credentials(headers: Any, multi_value_headers: Any = None) -> Credentials:
    """The credentials in a request's headers (``headers`` may be a plain dict with any
    case of names, as authorizer events carry, or Chalice's case-insensitive mapping)."""
    keys, authorizations = _collect(headers, multi_value_headers)
    key, key_repeated = _one(keys)
    authorization, auth_repeated = _one(authorizations)
    return Credentials(key, authorization, key_repeated or auth_repeated)


def read_token(token: Any) -> Credentials:
    """The credential of a TOKEN authorizer event's ``authorizationToken``: a bearer token
    when it starts ``Bearer ``, else a key; a comma marks a joined repeat."""
    if not isinstance(token, str):
        return NONE
    if "," in token:
        return AMBIGUOUS
    if bearer_token(token) is not None:
        return Credentials(None, token)
    return Credentials(token, None)
