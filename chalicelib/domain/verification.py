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
from chalicelib.domain.key_format import KeyFormat
from chalicelib.domain.peppers import PepperSource, secret_matches
from chalicelib.domain.records import ApiKey, KeyStatus, SecretHash


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
    # Access tokens: past their exp, or not a token Latchkey signed.
    TOKEN_EXPIRED = "TOKEN_EXPIRED"  # noqa: S105 - a reason code, not a secret
    TOKEN_INVALID = "TOKEN_INVALID"  # noqa: S105 - a reason code, not a secret


@dataclass(frozen=True)
class Decision:
    """The outcome, and the key once its secret was proven (never before)."""

    outcome: Outcome
    key: ApiKey | None = None
    # When the presented secret stops working before the key does: the end of a
    # rotation's grace period, when the previous secret was presented. Access tokens
    # never outlive it.
    secret_valid_until: datetime | None = None

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
        key_format: KeyFormat,
        keys: KeyReader,
        peppers: PepperSource,
        clock: Callable[[], datetime],
        recheck: Callable[[str], ApiKey | None] | None = None,
    ) -> None:
        self._key_format = key_format
        self._keys = keys
        self._peppers = peppers
        self._clock = clock
        # When ``keys`` is a cache (domain/key_cache.py), a refused secret is
        # checked once more against a fresh read: the cached record may predate a rotation.
        self._recheck = recheck

    def verify(self, token: str | None, source_ip: str | None) -> Decision:
        """Run the decision up to the IP allowlist (routes are the caller's next step)."""
        parsed = self._key_format.parse(token)
        if parsed is None:
            return Decision(Outcome.MALFORMED)
        key = self._keys.get_key(parsed.key_id)
        now = self._clock()
        matched = None if key is None else self.matching_secret(key, parsed.secret, now)
        if (key is None or matched is None) and self._recheck is not None:
            fresh = self._recheck(parsed.key_id)
            if fresh is not None:
                key, matched = fresh, self.matching_secret(fresh, parsed.secret, now)
        if key is None or matched is None:
            return Decision(Outcome.NOT_FOUND)
        if key.status is not KeyStatus.ACTIVE:
            return Decision(Outcome.REVOKED, key)
        if key.is_expired(now):
            return Decision(Outcome.EXPIRED, key)
        if not allows(key.ip_allowlist, source_ip):
            return Decision(Outcome.IP_NOT_ALLOWED, key)
        return Decision(Outcome.VALID, key, matched.valid_until)

    def matching_secret(self, key: ApiKey, secret: str, now: datetime) -> SecretHash | None:
        """The stored secret ``secret`` matches: the current one, or the previous one inside
        its grace period; None when neither (leak reports and token lifetimes ask which)."""
        if self._matches(key.current_secret, secret):
            return key.current_secret
        previous = key.previous_secret
        # The old secret of a rotation works only inside its grace period.
        if (
            previous is not None
            and previous.valid_until is not None
            and now < previous.valid_until
            and self._matches(previous, secret)
        ):
            return previous
        return None

    def _matches(self, stored: SecretHash, secret: str) -> bool:
        return secret_matches(self._peppers.get(stored.pepper_version), secret, stored.digest)
