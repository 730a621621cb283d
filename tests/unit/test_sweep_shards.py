"""The sweep's shards and what it reads from its index, without a store."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from chalicelib.storage.key_model import SWEEP_READS, KeyModel
from chalicelib.storage.sweep_index import candidate_from, shard_of

DUE = datetime(2026, 11, 1, tzinfo=UTC)
EXPIRES = datetime(2026, 12, 1, tzinfo=UTC)


def test_a_keys_shard_is_stable_and_within_the_count() -> None:
    assert shard_of("AbCdEf0123456789", 16) == shard_of("AbCdEf0123456789", 16)
    assert {shard_of(f"key{n}", 16) for n in range(500)} <= {str(s) for s in range(16)}


def test_random_key_ids_spread_evenly_over_the_shards() -> None:
    counts = Counter(shard_of(f"k{n:08d}", 16) for n in range(16_000))

    assert len(counts) == 16
    assert max(counts.values()) < 1.15 * 1_000  # within 15% of the even share


def test_a_single_shard_puts_every_key_in_shard_zero_where_old_keys_are() -> None:
    assert {shard_of(f"key{n}", 1) for n in range(50)} == {"0"}


def test_the_sweep_builds_its_candidate_from_the_projected_attributes_only() -> None:
    """An item as the index returns it: keys of table and index, and SWEEP_READS."""
    projected = {
        "key_id": {"S": "k1"},
        "sweep_shard": {"S": "3"},
        "sweep_due": {"S": DUE.isoformat().replace("+00:00", ".000000+0000")},
        "tenant_id": {"S": "acme"},
        "name": {"S": "Billing sync"},
        "group_id": {"S": "grp_1"},
        "expires_at": {"S": EXPIRES.isoformat().replace("+00:00", ".000000+0000")},
        "created_by": {"M": {"type": {"S": "user"}, "id": {"S": "u-1"}, "name": {"S": "Ada"}}},
        "notified_thresholds": {"NS": ["30"]},
        "counted": {"BOOL": True},
    }
    assert set(projected) - {"key_id", "sweep_shard", "sweep_due"} == set(SWEEP_READS)

    candidate = candidate_from(KeyModel.from_raw_data(projected))

    assert (candidate.key_id, candidate.tenant_id, candidate.group_id) == ("k1", "acme", "grp_1")
    assert (candidate.due, candidate.expires_at) == (DUE, EXPIRES)
    assert (candidate.notified, candidate.counted) == (frozenset({30}), True)
    assert candidate.created_by.name == "Ada"
