"""The access tokens' parts (issue 15), wired lazily: part of the composition root.

``build_services`` (chalicelib/wiring/services.py) makes one :class:`AccessTokens` when a token
issuer is configured; the token endpoint, the JWKS and ``/v1/verify`` use its parts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING

from chalicelib.authorizer.runtime import Runtime
from chalicelib.config.settings import Settings
from chalicelib.domain.access import GroupCache
from chalicelib.domain.access_tokens import TokenIssuer, TokenRules
from chalicelib.domain.key_format import TokenFormat
from chalicelib.domain.token_bound import SignRate, TokenReuse
from chalicelib.domain.verification import Verifier
from chalicelib.storage.token_keys import TokenKeys, token_keys_for

if TYPE_CHECKING:
    from chalicelib.domain.token_check import TokenChecker

Clock = Callable[[], datetime]


class AccessTokens:
    """The token endpoint's and ``/v1/verify``'s parts (issue 15), built on first use.

    Nothing here reads the key file or calls KMS until a token request, a JWKS request or a
    token to verify arrives, so a misconfigured key never breaks the management API.
    """

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        runtime: Runtime,
        verifier: Verifier,
        keys: TokenKeys | None = None,
    ) -> None:
        self.settings = settings
        self._clock = clock
        self._runtime = runtime
        self._verifier = verifier
        self._keys = keys

    @cached_property
    def keys(self) -> TokenKeys:
        return self._keys or token_keys_for(self.settings)

    @cached_property
    def issuer(self) -> TokenIssuer:
        settings = self.settings
        rules = TokenRules(
            settings.token_issuer,
            settings.token_audience_or_issuer,
            timedelta(seconds=settings.token_lifetime_seconds),
            settings.token_latchkey_audience,
        )
        return TokenIssuer(
            rules,
            self._verifier,
            TokenFormat(settings.key_prefix),
            GroupCache(
                self._runtime.store,
                settings.group_cache_seconds,
                size=settings.group_cache_entries,
            ),
            self._runtime.usage,
            self.keys.signer,
            self._clock,
            reuse=TokenReuse() if settings.token_reuse else None,
            rate=SignRate(
                settings.token_signs_per_key_per_minute, lambda: self._clock().timestamp()
            ),
        )

    @cached_property
    def checker(self) -> TokenChecker:
        from chalicelib.domain.token_check import TokenChecker

        settings = self.settings
        return TokenChecker(
            self.keys.published,
            settings.token_issuer,
            (settings.token_audience_or_issuer, settings.token_latchkey_audience),
            self._clock,
        )
