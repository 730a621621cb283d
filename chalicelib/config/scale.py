"""The caches and write spread that keep hot keys cheap, read in one block.

How long and how much an authorizer container caches (keys and groups), how often it writes
a key's usage, and over how many items a tenant's daily totals are spread.
chalicelib/config/settings.py hands :meth:`ScaleSettings.from_env` the environment it reads;
nothing here reads ``os.environ``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# The revocation bound a key cache may add, and the shards GET /v1/usage reads per day.
MAX_KEY_CACHE_SECONDS = 60
MAX_USAGE_TOTAL_SHARDS = 100


@dataclass(frozen=True)
class ScaleSettings:
    """The authorizer's caches and the usage writers' spread."""

    # How long an authorizer container trusts a cached key record (0: never caches; the
    # revocation bound grows by this much), and how many keys it may hold (a few KB each).
    key_cache_seconds: float = 5.0
    key_cache_entries: int = 5000
    # How long the authorizer trusts a cached group (its permissions and routes), and how
    # many it may hold.
    group_cache_seconds: int = 30
    group_cache_entries: int = 1000
    # The authorizer writes usage behind: at most once per key per this many seconds.
    usage_flush_seconds: int = 60
    # Each tenant's daily usage totals are spread over this many items, each taking at most
    # 1,000 WCU/s: a tenant-day absorbs up to shards x 1,000 flushes a second (docs/scale.md's
    # busiest tenant flushes ~16,700 a second: 20 leaves room).
    usage_total_shards: int = 20

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ScaleSettings:
        """LATCHKEY_KEY_CACHE_SECONDS (0-60), the two cache sizes (>= 1), the group cache's
        and usage flush's seconds, and LATCHKEY_USAGE_TOTAL_SHARDS (1-100)."""
        default = cls()
        scale = cls(
            key_cache_seconds=float(
                env.get("LATCHKEY_KEY_CACHE_SECONDS", default.key_cache_seconds)
            ),
            key_cache_entries=int(env.get("LATCHKEY_KEY_CACHE_ENTRIES", default.key_cache_entries)),
            group_cache_seconds=int(
                env.get("LATCHKEY_GROUP_CACHE_SECONDS", default.group_cache_seconds)
            ),
            group_cache_entries=int(
                env.get("LATCHKEY_GROUP_CACHE_ENTRIES", default.group_cache_entries)
            ),
            usage_flush_seconds=int(
                env.get("LATCHKEY_USAGE_FLUSH_SECONDS", default.usage_flush_seconds)
            ),
            usage_total_shards=int(
                env.get("LATCHKEY_USAGE_TOTAL_SHARDS", default.usage_total_shards)
            ),
        )
        scale.check()
        return scale

    def check(self) -> None:
        """Raise ValueError naming the variable whose value is out of range."""
        if not 0 <= self.key_cache_seconds <= MAX_KEY_CACHE_SECONDS:
            raise ValueError(f"LATCHKEY_KEY_CACHE_SECONDS must be 0-{MAX_KEY_CACHE_SECONDS}")
        for name, size in (
            ("LATCHKEY_KEY_CACHE_ENTRIES", self.key_cache_entries),
            ("LATCHKEY_GROUP_CACHE_ENTRIES", self.group_cache_entries),
        ):
            if size < 1:
                raise ValueError(f"{name} must be at least 1")
        if not 1 <= self.usage_total_shards <= MAX_USAGE_TOTAL_SHARDS:
            raise ValueError(f"LATCHKEY_USAGE_TOTAL_SHARDS must be 1-{MAX_USAGE_TOTAL_SHARDS}")
