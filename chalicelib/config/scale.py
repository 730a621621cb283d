"""The key cache, cache sizes and usage-total shards (issue 13), read in one block.

chalicelib/config/settings.py hands :func:`scale_settings` the environment it reads; nothing here
reads ``os.environ``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypedDict

# The revocation bound a key cache may add, and the shards GET /v1/usage reads per day.
MAX_KEY_CACHE_SECONDS = 60
MAX_USAGE_TOTAL_SHARDS = 100


class ScaleSettings(TypedDict):
    key_cache_seconds: float
    key_cache_entries: int
    group_cache_entries: int
    usage_total_shards: int


def scale_settings(env: Mapping[str, str]) -> ScaleSettings:
    """LATCHKEY_KEY_CACHE_SECONDS (0-60), the two cache sizes (>= 1) and
    LATCHKEY_USAGE_TOTAL_SHARDS (1-100)."""
    seconds = float(env.get("LATCHKEY_KEY_CACHE_SECONDS", "5"))
    keys = int(env.get("LATCHKEY_KEY_CACHE_ENTRIES", "5000"))
    groups = int(env.get("LATCHKEY_GROUP_CACHE_ENTRIES", "1000"))
    shards = int(env.get("LATCHKEY_USAGE_TOTAL_SHARDS", "20"))
    if not 0 <= seconds <= MAX_KEY_CACHE_SECONDS:
        raise ValueError(f"LATCHKEY_KEY_CACHE_SECONDS must be 0-{MAX_KEY_CACHE_SECONDS}")
    for name, size in (
        ("LATCHKEY_KEY_CACHE_ENTRIES", keys),
        ("LATCHKEY_GROUP_CACHE_ENTRIES", groups),
    ):
        if size < 1:
            raise ValueError(f"{name} must be at least 1")
    if not 1 <= shards <= MAX_USAGE_TOTAL_SHARDS:
        raise ValueError(f"LATCHKEY_USAGE_TOTAL_SHARDS must be 1-{MAX_USAGE_TOTAL_SHARDS}")
    return {
        "key_cache_seconds": seconds,
        "key_cache_entries": keys,
        "group_cache_entries": groups,
        "usage_total_shards": shards,
    }
