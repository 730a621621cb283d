"""The verification decision over an in-memory key reader: keys whose secret is known.

``key_with_secret`` stores the hash of a chosen secret (under pepper 2 of ``PEPPERS``), so
``token_for`` presents a token ``verifier`` accepts; ``FakeKeys`` counts every read.
"""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.domain.key_format import KeyFormat, display_hint, format_token
from chalicelib.domain.peppers import StaticPeppers, hash_secret
from chalicelib.domain.records import ApiKey, SecretHash
from chalicelib.domain.verification import Verifier
from tests.support.records import make_key

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
PREFIX = "lk_test"
PEPPERS = {1: b"pepper-one", 2: b"pepper-two"}


class FakeKeys:
    """An in-memory ``KeyReader`` that counts reads."""

    def __init__(self, *keys: ApiKey) -> None:
        self.keys = {key.key_id: key for key in keys}
        self.reads: list[str] = []

    def get_key(self, key_id: str) -> ApiKey | None:
        self.reads.append(key_id)
        return self.keys.get(key_id)


class Clock:
    """A clock that stays where it is set."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def secret_hash(secret: str, version: int = 2, valid_until: datetime | None = None) -> SecretHash:
    return SecretHash(hash_secret(PEPPERS[version], secret), version, valid_until)


def key_with_secret(
    key_id: str = "0123456789abcdef", secret: str = "s" * 43, **changes: object
) -> ApiKey:
    """A key whose stored hash is of ``secret`` (pepper 2), so ``token_for`` verifies."""
    fields: dict[str, object] = {
        "key_id": key_id,
        "hint": display_hint(PREFIX, key_id),
        "current_secret": secret_hash(secret),
    }
    return make_key(**(fields | changes))


def token_for(key: ApiKey, secret: str = "s" * 43) -> str:
    """The token of ``key`` carrying ``secret``."""
    return format_token(PREFIX, key.key_id, secret)


def verifier(
    keys: FakeKeys, clock: Clock | None = None, peppers: dict[int, bytes] | None = None
) -> Verifier:
    return Verifier(
        KeyFormat(PREFIX),
        keys,
        StaticPeppers(PEPPERS if peppers is None else peppers),
        clock or Clock(),
    )
