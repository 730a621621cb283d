"""Secret hashing: HMAC-SHA256 under a versioned pepper.

Only ``HMAC-SHA256(pepper, secret)`` is ever stored, with the pepper's version, so the
pepper can be rotated without invalidating keys: new secrets use the newest version,
existing ones keep verifying under the version they were hashed with.

In AWS the pepper is an SSM SecureString parameter whose *parameter versions* are the
pepper versions (chalicelib/storage/ssm_peppers.py reads them); locally the peppers come
from settings. Standard library only: this module is on the authorizer's hot path.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Protocol


class PepperUnavailable(Exception):
    """Raised when a pepper (or its version) cannot be loaded."""


class PepperSource(Protocol):
    """Where peppers come from."""

    def current(self) -> tuple[int, bytes]:
        """The version and value that new secrets are hashed with."""
        ...

    def get(self, version: int) -> bytes:
        """The pepper of one version."""
        ...


class StaticPeppers:
    """Peppers from configuration (local development and tests)."""

    def __init__(self, peppers: Mapping[int, bytes]) -> None:
        self._peppers = dict(peppers)

    def current(self) -> tuple[int, bytes]:
        if not self._peppers:
            raise PepperUnavailable("no pepper configured (set LATCHKEY_PEPPERS)")
        version = max(self._peppers)
        return version, self._peppers[version]

    def get(self, version: int) -> bytes:
        try:
            return self._peppers[version]
        except KeyError:
            raise PepperUnavailable(f"pepper version {version} is not configured") from None


def hash_secret(pepper: bytes, secret: str) -> str:
    """The stored form of a secret: hex HMAC-SHA256 under the pepper."""
    return hmac.new(pepper, secret.encode("ascii"), hashlib.sha256).hexdigest()


def secret_matches(pepper: bytes, secret: str, stored_hash: str) -> bool:
    """Constant-time comparison of a presented secret with a stored hash."""
    return hmac.compare_digest(hash_secret(pepper, secret), stored_hash)


def derived_key(pepper: bytes, label: str) -> bytes:
    """A key for one purpose (``label``), derived from the pepper: HMAC-SHA256(pepper, label).

    Lets the API sign what it hands out (pagination cursors) without a second secret to
    provision and rotate; a new pepper version invalidates what the old one signed.
    """
    return hmac.new(pepper, f"latchkey/{label}".encode(), hashlib.sha256).digest()
