"""Which keys' access tokens only Latchkey may accept, and so carry their own audience.

API Gateway's JWT authorizer checks a token's signature, ``iss``, ``aud`` and the route's
scopes: nothing of Latchkey's ``routes`` or ``ip_allowlist`` claims. A token of a key with
an IP allowlist, or whose group does not allow every route, would let its holder through
such an authorizer from any address and on any route its scope names. Such tokens carry
the audience ``<audience>#latchkey-only`` (Settings.token_latchkey_audience), which only
Latchkey's authorizer and ``POST /v1/verify`` accept. Standard library only: the key and
group answers use it, and must not pull in the token machinery.
"""

from __future__ import annotations

from chalicelib.domain.routes import ALL_ROUTES


def latchkey_only(ip_allowlist: tuple[str, ...], routes: tuple[str, ...]) -> bool:
    """True when a verifier that checks only scope and audience would grant more than the
    key may have: the key has an IP allowlist, or its group does not allow every route."""
    return bool(ip_allowlist) or ALL_ROUTES not in routes
