"""The HTTP side of the lockout rule (chalicelib/domain/lockout.py): who the caller is,
and whether the request confirmed a change that takes the caller's own access away.

A header, not a body field, so the one confirmation works on every such route, revoke
(which has no body) included, and no edit body grows a field that is not an edit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.api.auth import Principal, source_ip
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.lockout import Caller

CONFIRM_HEADER = "Confirm-Self-Lockout"


def caller_of(
    principal: Principal, headers: Mapping[str, str], context: Mapping[str, Any]
) -> Caller:
    """The calling credential as the lockout rule sees it (a person has no key to lose)."""
    key_id = principal.actor.id if principal.actor.type == "key" else None
    sent = headers.get(CONFIRM_HEADER.lower())
    if sent is not None and sent != "true":
        # Anything but the one documented value is refused, never read as "no": a client
        # that sent "yes" meant to confirm and would be surprised by a 409.
        raise InvalidInput(
            f"invalid {CONFIRM_HEADER}",
            errors=[{"field": CONFIRM_HEADER, "message": 'the only value is "true"'}],
        )
    return Caller(key_id, principal.group_id, source_ip(dict(context)), sent == "true")
