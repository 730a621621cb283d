"""Peppers from SSM Parameter Store: one SecureString parameter whose versions are the peppers.

Each version is read once per container and cached. The SSM client is created on first
use, never at import: the authorizer builds this source on its cold path. Which source a
deployment uses (SSM when a parameter is named, else the configured local peppers) is
decided here too, so the management API and the authorizer choose alike.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from chalicelib.domain.peppers import PepperSource, PepperUnavailable, StaticPeppers

if TYPE_CHECKING:
    from chalicelib.config.settings import Settings


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


def ssm_client(settings: Settings) -> Callable[[], Any]:
    def create() -> Any:
        import botocore.session

        return botocore.session.get_session().create_client("ssm", region_name=settings.region)

    return create


def peppers_for(settings: Settings) -> PepperSource:
    """SSM in AWS (when a parameter is named), else the configured local peppers."""
    if settings.keys.pepper_parameter:
        return SsmPeppers(settings.keys.pepper_parameter, ssm_client(settings))
    return StaticPeppers(settings.keys.local_peppers)
