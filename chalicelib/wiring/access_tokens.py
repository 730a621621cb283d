"""The access tokens' parts, wired lazily: part of the composition root.

``Services.access_tokens`` (chalicelib/wiring/services.py) makes one :class:`AccessTokens` when a
token issuer is configured: the token endpoint uses its issuer, the JWKS its keys, and
``/v1/verify`` its checker. The token endpoint has its own small wiring here, not the
authorizer's ``Runtime``: one store (chalicelib/storage/hotpath.py) reads both the key and
its group, and records the usage the endpoint counts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from chalicelib.config.settings import Settings
from chalicelib.domain.access_tokens import TokenIssuer, TokenRules
from chalicelib.domain.key_format import KeyFormat
from chalicelib.domain.peppers import PepperSource
from chalicelib.domain.token_bound import SignRate, TokenReuse
from chalicelib.domain.usage import UsageRecorder
from chalicelib.domain.verification import Verifier
from chalicelib.storage.hotpath import HotStore, dynamodb_client
from chalicelib.storage.token_keys import TokenKeys, token_keys_for

if TYPE_CHECKING:
    from chalicelib.domain.token_check import TokenChecker

Clock = Callable[[], datetime]


class AccessTokens:
    """The token endpoint's, the JWKS's and ``/v1/verify``'s parts, built on first use.

    Nothing here reads the key file or calls KMS until a token request, a JWKS request or a
    token to verify arrives, so a misconfigured key never breaks the management API.
    """

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        session: Any,
        peppers: PepperSource,
        keys: TokenKeys | None = None,
    ) -> None:
        self.settings = settings
        self._clock = clock
        self._session = session
        self._peppers = peppers
        self._keys = keys

    @cached_property
    def keys(self) -> TokenKeys:
        return self._keys or token_keys_for(self.settings)

    @cached_property
    def store(self) -> HotStore:
        """The one reader of the key and its group (strongly consistent, never cached here:
        a key revoked or a group changed in this Lambda applies to the next token at once),
        and the writer of the usage counts."""
        settings, session = self.settings, self._session
        return HotStore(settings, lambda: dynamodb_client(settings, session))

    @cached_property
    def usage(self) -> UsageRecorder:
        """The token endpoint's usage counts, flushed through the store."""
        flush = timedelta(seconds=self.settings.scale.usage_flush_seconds)
        return UsageRecorder(self.store, self._clock, flush)

    @cached_property
    def issuer(self) -> TokenIssuer:
        settings, store = self.settings, self.store
        tokens = settings.access_tokens
        rules = TokenRules(
            tokens.issuer,
            tokens.audience_or_issuer,
            timedelta(seconds=tokens.lifetime_seconds),
            tokens.latchkey_audience,
        )
        key_format = KeyFormat(settings.keys.prefix)
        return TokenIssuer(
            rules,
            Verifier(key_format, store, self._peppers, self._clock),
            key_format,
            store,
            self.usage,
            self.keys.signer,
            self._clock,
            reuse=TokenReuse() if tokens.reuse else None,
            rate=SignRate(tokens.signs_per_key_per_minute, lambda: self._clock().timestamp()),
        )

    @cached_property
    def checker(self) -> TokenChecker:
        from chalicelib.domain.token_check import TokenChecker

        tokens = self.settings.access_tokens
        return TokenChecker(
            self.keys.published,
            tokens.issuer,
            (tokens.audience_or_issuer, tokens.latchkey_audience),
            self._clock,
        )
