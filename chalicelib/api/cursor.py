"""Opaque pagination cursors for ``GET /v1/keys`` and ``GET /v1/audit-events``.

A cursor names the last item of a page (two strings of its keys). It carries no tenant:
the next query always runs under the caller's own tenant, so a cursor from another tenant
can only page through the caller's own items.
"""

from __future__ import annotations

import base64
import binascii
import json

from chalicelib.domain.errors import InvalidInput

Position = tuple[str, str]


def _invalid() -> InvalidInput:
    return InvalidInput(
        "the cursor is not one this API issued",
        errors=[{"field": "cursor", "message": "invalid cursor"}],
    )


def encode(position: Position | None) -> str | None:
    if position is None:
        return None
    raw = json.dumps({"s": position[0], "k": position[1]}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str | None) -> Position | None:
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        sort_key, key_id = data["s"], data["k"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise _invalid() from None
    if not (isinstance(sort_key, str) and isinstance(key_id, str) and sort_key and key_id):
        raise _invalid()
    return sort_key, key_id
