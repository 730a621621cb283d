"""The expiry sweep's shards, threads and batch size (issue 13), read in one block.

chalicelib/config/settings.py hands :func:`sweep_settings` the environment it reads; nothing here
reads ``os.environ``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypedDict


class SweepSettings(TypedDict):
    sweep_shards: int
    sweep_workers: int
    sweep_batch: int


def sweep_settings(env: Mapping[str, str]) -> SweepSettings:
    """LATCHKEY_SWEEP_SHARDS (16), LATCHKEY_SWEEP_WORKERS (16), LATCHKEY_SWEEP_BATCH (25),
    each a whole number of at least 1."""
    return {
        "sweep_shards": _at_least_one(env, "LATCHKEY_SWEEP_SHARDS", 16),
        "sweep_workers": _at_least_one(env, "LATCHKEY_SWEEP_WORKERS", 16),
        "sweep_batch": _at_least_one(env, "LATCHKEY_SWEEP_BATCH", 25),
    }


def _at_least_one(env: Mapping[str, str], name: str, default: int) -> int:
    value = int(env.get(name) or default)
    if value < 1:
        raise ValueError(f"{name} must be at least 1")
    return value
