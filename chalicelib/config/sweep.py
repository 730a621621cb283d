"""The expiry sweep (docs/expiry-sweep.md): when it warns, how often it runs, where the digest
goes, and its shards, threads and batch size, read in one block.

chalicelib/config/settings.py hands :meth:`SweepSettings.from_env` the environment it reads;
nothing here reads ``os.environ``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class SweepSettings:
    """What the scheduled expiry sweep does and how widely it reads."""

    # Days before expiry to warn at, largest first; 0 (expired) is always one.
    expiry_thresholds_days: tuple[int, ...] = (30, 7, 1, 0)
    schedule: str = "rate(1 hour)"
    # The SNS topic for the per-tenant digest; None sends no digest.
    topic_arn: str | None = None
    # The due-index's write shards (a key's shard is a stable hash of its id mod this; only
    # ever raise it), the threads one run reads, records and sends with, and the keys
    # recorded per request.
    shards: int = 16
    workers: int = 16
    batch: int = 25

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SweepSettings:
        """LATCHKEY_EXPIRY_THRESHOLDS_DAYS, LATCHKEY_SWEEP_SCHEDULE, LATCHKEY_EXPIRY_TOPIC_ARN,
        and LATCHKEY_SWEEP_SHARDS, _WORKERS and _BATCH (each a whole number of at least 1)."""
        default = cls()
        thresholds = env.get("LATCHKEY_EXPIRY_THRESHOLDS_DAYS")
        return cls(
            expiry_thresholds_days=parse_thresholds(thresholds)
            if thresholds is not None
            else default.expiry_thresholds_days,
            schedule=env.get("LATCHKEY_SWEEP_SCHEDULE") or default.schedule,
            topic_arn=env.get("LATCHKEY_EXPIRY_TOPIC_ARN") or None,
            shards=_at_least_one(env, "LATCHKEY_SWEEP_SHARDS", default.shards),
            workers=_at_least_one(env, "LATCHKEY_SWEEP_WORKERS", default.workers),
            batch=_at_least_one(env, "LATCHKEY_SWEEP_BATCH", default.batch),
        )


def _at_least_one(env: Mapping[str, str], name: str, default: int) -> int:
    value = int(env.get(name) or default)
    if value < 1:
        raise ValueError(f"{name} must be at least 1")
    return value


def parse_thresholds(text: str) -> tuple[int, ...]:
    """Parse ``"30,7,1"`` into ``(30, 7, 1, 0)``: distinct, largest first, 0 always included.

    0 is forced in because the expired threshold is what frees a key's slot of the limit.
    """
    days = {0}
    for part in filter(None, (p.strip() for p in text.split(","))):
        if not part.isdigit():
            raise ValueError("LATCHKEY_EXPIRY_THRESHOLDS_DAYS must list whole days, e.g. 30,7,1,0")
        days.add(int(part))
    return tuple(sorted(days, reverse=True))
