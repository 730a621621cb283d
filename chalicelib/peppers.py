"""Secret hashing: HMAC-SHA256 under a versioned pepper.

Only ``HMAC-SHA256(pepper, secret)`` is ever stored, with the pepper's version, so the
pepper can be rotated without invalidating keys: new secrets use the newest version,
existing ones keep verifying under the version they were hashed with.

In AWS the pepper is an SSM SecureString parameter whose *parameter versions* are the
pepper versions; each is read once per container. Locally the peppers come from settings.
This module is on the authorizer's hot path: the SSM client is created only on first use.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from chalicelib.settings import Settings


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


class SsmPeppers:
    """Peppers from the versions of one SSM SecureString parameter, cached per container."""

    def __init__(self, parameter: str, client_factory: Callable[[], object]) -> None:
        self._parameter = parameter
        self._client_factory = client_factory
        self._client: object | None = None
        self._cache: dict[int, bytes] = {}
        self._current: int | None = None

    def _fetch(self, selector: str) -> tuple[int, bytes]:
        try:
            if self._client is None:
                self._client = self._client_factory()
            with _botocore_quiet():
                answer = self._client.get_parameter(  # type: ignore[attr-defined]
                    Name=selector, WithDecryption=True
                )["Parameter"]
            version, value = int(answer["Version"]), str(answer["Value"]).encode()
        except Exception as error:  # any SSM failure means: no pepper, deny
            raise PepperUnavailable(
                f"cannot read pepper {selector}: {type(error).__name__}"
            ) from None
        self._cache[version] = value
        return version, value

    def current(self) -> tuple[int, bytes]:
        if self._current is None:
            self._current, _ = self._fetch(self._parameter)
        return self._current, self._cache[self._current]

    def get(self, version: int) -> bytes:
        if version not in self._cache:
            self._fetch(f"{self._parameter}:{version}")
        return self._cache[version]


@contextmanager
def _botocore_quiet() -> Iterator[None]:
    """Keep botocore's DEBUG logging (which prints response bodies) off the pepper."""
    loggers = [
        logging.getLogger(name)
        for name in ("botocore", "botocore.parsers", "botocore.endpoint", "botocore.hooks")
    ]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        if logger.getEffectiveLevel() < logging.INFO:
            logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


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


# Issue 13 (cold start): the pepper source for ``settings``, here rather than in the
# authorizer's runtime, so the management API builds it without importing the runtime.
def ssm_client(settings: Settings) -> Callable[[], Any]:
    def create() -> Any:
        import botocore.session

        return botocore.session.get_session().create_client("ssm", region_name=settings.region)

    return create


def peppers_for(settings: Settings) -> PepperSource:
    """SSM in AWS (when a parameter is named), else the configured local peppers."""
    if settings.pepper_parameter:
        return SsmPeppers(settings.pepper_parameter, ssm_client(settings))
    return StaticPeppers(settings.local_peppers)
