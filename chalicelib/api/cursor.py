"""Signed pagination cursors for ``GET /v1/keys`` and ``GET /v1/audit-events``.

A cursor names the last item of a page (two strings of its keys) and is signed with an
HMAC under a key derived from the current pepper, over that position and the listing it
belongs to: the tenant, the route and every filter (and range). So the API accepts only a
cursor it issued, for this very listing: one from another tenant, another filter, a
tampered or a made-up one is a 422 before anything is read (DynamoDB would otherwise
reject a forged start key, and that read as a 503 clients retried forever). A cursor
issued before a pepper rotation is refused too; the client starts the listing again.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Sequence
from hashlib import sha256

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.peppers import PepperSource, derived_key

# Where a page ends, as a cursor carries it: a KeyListPosition or an AuditPosition (two
# strings each); the signed scope, not the shape, says which listing it belongs to.
PagePosition = tuple[str, str]
# What a cursor is bound to: tenant, route, then the filters in a fixed order (None: unset).
Scope = Sequence[str | None]
LABEL = "cursor/v1"


def _invalid() -> InvalidInput:
    return InvalidInput(
        "the cursor is not one this API issued for this listing",
        errors=[{"field": "cursor", "message": "invalid cursor"}],
    )


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Cursors:
    """Issues and checks the cursors of one deployment (its pepper signs them)."""

    def __init__(self, peppers: PepperSource) -> None:
        self._peppers = peppers

    def _mac(self, scope: Scope, payload: bytes) -> bytes:
        key = derived_key(self._peppers.current()[1], LABEL)
        bound = json.dumps(list(scope), separators=(",", ":")).encode()
        return hmac.new(key, bound + b"\n" + payload, sha256).digest()

    def encode(self, position: PagePosition | None, scope: Scope) -> str | None:
        if position is None:
            return None
        payload = json.dumps({"s": position[0], "k": position[1]}, separators=(",", ":"))
        raw = payload.encode()
        return f"{_b64(raw)}.{_b64(self._mac(scope, raw))}"

    def decode(self, cursor: str | None, scope: Scope) -> PagePosition | None:
        if cursor is None:
            return None
        payload_text, dot, mac_text = cursor.partition(".")
        try:
            payload, mac = _unb64(payload_text), _unb64(mac_text)
        except (binascii.Error, ValueError):
            raise _invalid() from None
        if not dot or not hmac.compare_digest(mac, self._mac(scope, payload)):
            raise _invalid()
        return _position(payload)


def _position(payload: bytes) -> PagePosition:
    """The position a signed payload names (it was ours, but check its shape anyway)."""
    try:
        data = json.loads(payload)
        sort_key, key_id = data["s"], data["k"]
    except (ValueError, KeyError, TypeError):
        raise _invalid() from None
    if not (isinstance(sort_key, str) and isinstance(key_id, str) and sort_key and key_id):
        raise _invalid()
    return sort_key, key_id
