"""When a key's expiry warnings are due: pure arithmetic over thresholds, no store, no clock.

A threshold of ``d`` days is crossed at ``expires_at - d days``; 0 is the expiry itself.
The sweep (chalicelib/domain/sweep.py) asks :meth:`ExpiryPolicy.plan` what to send for one
key; storage keeps :meth:`ExpiryPolicy.first_due` on each new key so its index finds it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

EXPIRING = "API Key Expiring"
EXPIRED = "API Key Expired"
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Plan:
    """What one sweep does for one key: one warning, and what it records.

    ``threshold`` is the nearest threshold crossed, the one warned about. ``covers`` are all
    the thresholds crossed and not yet notified, ``threshold`` included: a key created five
    days before its expiry, or found by a sweep that was down for a week, gets one warning
    for the nearest threshold, not a burst of stale ones. ``next_due`` is when the next
    threshold will be crossed (None: nothing left to warn about).
    """

    threshold: int
    covers: frozenset[int]
    next_due: datetime | None

    @property
    def expired(self) -> bool:
        return self.threshold == 0


@dataclass(frozen=True)
class ExpiryPolicy:
    """The configured thresholds, in days before expiry; 0 (expired) is always one of them."""

    thresholds: tuple[int, ...]

    def __post_init__(self) -> None:
        if 0 not in self.thresholds or any(days < 0 for days in self.thresholds):
            raise ValueError("thresholds are days >= 0 and must include 0 (expired)")
        object.__setattr__(self, "thresholds", tuple(sorted(set(self.thresholds), reverse=True)))

    def first_due(self, expires_at: datetime) -> datetime:
        """When a new key with this expiry first needs the sweep (its largest threshold)."""
        return due_at(expires_at, self.thresholds[0])

    def next_due(self, expires_at: datetime, notified: Iterable[int]) -> datetime | None:
        """When the largest threshold not yet notified is (or was) crossed; None if all were."""
        done = set(notified)
        pending = [days for days in self.thresholds if days not in done]
        return due_at(expires_at, pending[0]) if pending else None

    def plan(self, expires_at: datetime, notified: Iterable[int], now: datetime) -> Plan | None:
        """The warning due at ``now`` for a key, or None if no new threshold was crossed."""
        done = set(notified)
        crossed = {
            days for days in self.thresholds if days not in done and due_at(expires_at, days) <= now
        }
        if not crossed:
            return None
        return Plan(min(crossed), frozenset(crossed), self.next_due(expires_at, done | crossed))


def due_at(expires_at: datetime, days: int) -> datetime:
    """The instant a threshold of ``days`` is crossed."""
    return expires_at - days * _DAY


def days_left(expires_at: datetime, now: datetime) -> int:
    """Whole days until expiry, rounded up (a 7-day warning says 7, not 6); 0 once expired."""
    return max(0, math.ceil((expires_at - now) / _DAY))


def detail_type(threshold: int) -> str:
    """The EventBridge detail-type of a warning for ``threshold``."""
    return EXPIRED if threshold == 0 else EXPIRING
