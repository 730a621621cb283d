"""When a failed webhook delivery is tried again: exponential backoff with jitter, 24 hours.

Attempt ``n`` (1-based) that failed waits ``min(cap, first * factor**(n-1))``, spread by
+-``jitter`` so that many deliveries failing together (an endpoint down) do not come back
together. No attempt is scheduled past ``window`` after the first one; one last attempt is
made at the window's end, and a failure then gives up (the endpoint is disabled). With the
defaults the pauses are about 10 s, 30 s, 1.5 min, 4.5 min, 13.5 min, 40 min, 2 h, then 6 h
each: 11 or 12 attempts in 24 hours.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

# Spreading retries needs no secret randomness.
_uniform = random.Random().random  # noqa: S311


@dataclass(frozen=True)
class RetrySchedule:
    first: timedelta = timedelta(seconds=10)
    factor: float = 3.0
    cap: timedelta = timedelta(hours=6)
    window: timedelta = timedelta(hours=24)
    jitter: float = 0.2

    def pause(self, attempts: int, rng: Callable[[], float] = _uniform) -> timedelta:
        """The pause after ``attempts`` failed attempts (jittered)."""
        exponent = max(attempts - 1, 0)
        base = min(self.cap.total_seconds(), self.first.total_seconds() * self.factor**exponent)
        spread = 1 - self.jitter + 2 * self.jitter * rng()
        return timedelta(seconds=base * spread)

    def next_attempt(
        self,
        attempts: int,
        first_attempt_at: datetime,
        now: datetime,
        rng: Callable[[], float] = _uniform,
    ) -> datetime | None:
        """When to try again after ``attempts`` failures; None: the window is over, give up."""
        deadline = first_attempt_at + self.window
        if now >= deadline:
            return None
        return min(now + self.pause(attempts, rng), deadline)
