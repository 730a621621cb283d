"""The authorizer's access-token path: decided from the token alone, no database read.

Nothing here imports PyJWT or cryptography until the first bearer token arrives, so a
container that only ever sees API keys starts as fast as before
(tests/unit/test_authorizer_imports.py). The verification keys are the published KMS
keys' public halves, fetched with ``kms:GetPublicKey`` once per container and key (or the
local PEM file's): see README, "Access tokens".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.authorizer.events import AuthRequest
from chalicelib.authorizer.policy import Grant, respond
from chalicelib.clock import iso_z
from chalicelib.config.settings import Settings
from chalicelib.domain.signing import PublicKeys
from chalicelib.domain.verification import Outcome

if TYPE_CHECKING:
    from chalicelib.domain.token_check import TokenAccess, TokenChecker, TokenGrant


class TokenGate:
    """Builds the token checker on the first bearer token, then keeps it."""

    def __init__(
        self,
        settings: Settings,
        clock: Callable[[], datetime],
        keys: PublicKeys | None = None,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._keys = keys
        self._checker: TokenChecker | None = None

    def checker(self) -> TokenChecker | None:
        """The checker, or None when tokens are not configured (every token is refused)."""
        if self._checker is None and self._settings.access_tokens.issuer:
            from chalicelib.domain.token_check import TokenChecker

            keys = self._keys or _published(self._settings)
            if keys is None:
                return None
            tokens = self._settings.access_tokens
            audiences = (tokens.audience_or_issuer, tokens.latchkey_audience)
            self._checker = TokenChecker(keys, tokens.issuer, audiences, self._clock)
        return self._checker


def _published(settings: Settings) -> PublicKeys | None:
    from chalicelib.domain.signing import TokensNotConfigured
    from chalicelib.storage.token_keys import token_keys_for

    try:
        return token_keys_for(settings).published
    except TokensNotConfigured:
        return None


def token_context(grant: TokenGrant) -> dict[str, str]:
    """``$context.authorizer`` for a token: the key's fields, the token's scope and expiry."""
    return {
        "tenant_id": grant.tenant_id,
        "key_id": grant.client_id,
        "key_name": "",  # not in the token; the key id names the key
        "group_id": grant.group_id,
        "permissions": ",".join(grant.scopes),
        "expires_at": iso_z(grant.expires_at),
        "token_id": grant.token_id,
    }


def grant_for(access: TokenAccess) -> Grant | None:
    """The policy's input for a decided token; None for a token that is no token of ours."""
    grant = access.grant
    if grant is None:
        return None
    routes = grant.routes if access.outcome is not Outcome.IP_NOT_ALLOWED else ()
    return Grant(grant.client_id, access.outcome, routes, token_context(grant))


def decide_token(
    request: AuthRequest, gate: TokenGate | None, simple: bool
) -> tuple[dict[str, Any], Outcome] | None:
    """The answer for a bearer token and its outcome (a genuine token may still be denied
    for its address or route), or None when it must be refused with 401."""
    checker = gate.checker() if gate is not None else None
    if checker is None or request.bearer is None:
        return None
    grant = grant_for(checker.check(request.bearer, request.source_ip, request.route))
    return None if grant is None else (respond(request, grant, simple), grant.outcome)
