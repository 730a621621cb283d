"""One object per process, built on first use: how every composition root holds its wiring.

The management API's services (chalicelib/wiring/services.py), the authorizer's runtime
(chalicelib/authorizer/runtime.py) and the expiry sweep (chalicelib/wiring/expiry_sweep.py) are each
built once per Lambda container, on the first call rather than at import (no AWS client or
table call at import time), and tests replace them. Standard library only: the authorizer's
cold start imports this module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class ProcessSingleton(Generic[T]):
    """The process's one ``T``: ``build()`` makes it on the first :meth:`get`."""

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._value: T | None = None

    def get(self) -> T:
        """The value, built now if nothing was built or set yet."""
        if self._value is None:
            self._value = self._build()
        return self._value

    def set(self, value: T | None) -> None:
        """Replace the value (a test's, the CLI's); None forgets it, so the next get builds."""
        self._value = value
