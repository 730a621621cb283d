"""The one decision every credential goes through.

The management API's ``X-API-Key`` check, the Lambda authorizer and ``POST /v1/verify``
all call :meth:`Verifier.verify`, so a key that one of them refuses, all of them refuse.
The order is fixed: parse (no database call when it fails) -> one read of the key ->
secret -> status -> expiry -> IP allowlist. Standard library and hot-path modules only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from chalicelib.domain.allowlist import allows
from chalicelib.domain.records import ApiKey, KeyStatus, SecretHash
from chalicelib.peppers import PepperSource, secret_matches
from chalicelib.tokens import TokenFormat


class Outcome(StrEnum):
    """Why a key was accepted or refused; stable codes of ``POST /v1/verify``."""

    VALID = "VALID"
    MALFORMED = "MALFORMED"
    NOT_FOUND = "NOT_FOUND"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"
    IP_NOT_ALLOWED = "IP_NOT_ALLOWED"
    ROUTE_NOT_ALLOWED = "ROUTE_NOT_ALLOWED"
    # The path holds a dot-segment or an encoded form of one: it matches no pattern.
    PATH_NOT_CANONICAL = "PATH_NOT_CANONICAL"


@dataclass(frozen=True)
class Decision:
    """The outcome, and the key once its secret was proven (never before)."""

    outcome: Outcome
    key: ApiKey | None = None

    @property
    def valid(self) -> bool:
        return self.outcome is Outcome.VALID


class KeyReader(Protocol):
    """Reads one key by id with a strongly consistent read."""

    def get_key(self, key_id: str) -> ApiKey | None:
        """The key, or None when no key has that id."""
        ...


class Verifier:
    """Decides whether a presented token may authenticate, from where, and now."""

    def __init__(
        self,
        tokens: TokenFormat,
        keys: KeyReader,
        peppers: PepperSource,
        clock: Callable[[], datetime],
    ) -> None:
        self._tokens = tokens
        self._keys = keys
        self._peppers = peppers
        self._clock = clock

    def verify(self, token: str | None, source_ip: str | None) -> Decision:
        """Run the decision up to the IP allowlist (routes are the caller's next step)."""
        parsed = self._tokens.parse(token)
        if parsed is None:
            return Decision(Outcome.MALFORMED)
        key = self._keys.get_key(parsed.key_id)
        now = self._clock()
        if key is None or not self._secret_known(key, parsed.secret, now):
            return Decision(Outcome.NOT_FOUND)
        if key.status is not KeyStatus.ACTIVE:
            return Decision(Outcome.REVOKED, key)
        if key.is_expired(now):
            return Decision(Outcome.EXPIRED, key)
        if not allows(key.ip_allowlist, source_ip):
            return Decision(Outcome.IP_NOT_ALLOWED, key)
        return Decision(Outcome.VALID, key)

    def _secret_known(self, key: ApiKey, secret: str, now: datetime) -> bool:
        if self._matches(key.current_secret, secret):
            return True
        previous = key.previous_secret
        # The old secret of a rotation works only inside its grace period.
        return (
            previous is not None
            and previous.valid_until is not None
            and now < previous.valid_until
            and self._matches(previous, secret)
        )

    def _matches(self, stored: SecretHash, secret: str) -> bool:
        return secret_matches(self._peppers.get(stored.pepper_version), secret, stored.digest)
