"""Raw DynamoDB items as the authorizer reads them (botocore's shape, no PynamoDB).

The items are the ones PynamoDB writes (chalicelib/storage/models.py);
tests/functional/test_hotpath_reads.py proves both read the same. Standard library and the
domain's records only: this is on the authorizer's path.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chalicelib.domain.records import Actor, ApiKey, Group, KeyStatus, Leak, SecretHash

Item = dict[str, dict[str, Any]]


def _text(item: Item, name: str) -> str | None:
    value = item.get(name)
    return None if value is None else str(value["S"])


def _time(item: Item, name: str) -> datetime | None:
    text = _text(item, name)
    return None if text is None else datetime.fromisoformat(text).astimezone(UTC)


def _required_time(item: Item, name: str) -> datetime:
    return datetime.fromisoformat(item[name]["S"]).astimezone(UTC)


def _actor(item: Item, name: str) -> Actor | None:
    value = item.get(name)
    if value is None:
        return None
    fields = value["M"]
    return Actor(fields["type"]["S"], fields["id"]["S"], fields["name"]["S"])


def _strings(item: Item, name: str) -> tuple[str, ...]:
    value = item.get(name)
    return () if value is None else tuple(entry["S"] for entry in value["L"])


def _leak(item: Item) -> Leak | None:
    """The latest leak report's time, source and URL (chalicelib/storage/leaks.py)."""
    reported_at = _time(item, "leaked_at")
    if reported_at is None:
        return None
    return Leak(reported_at, _text(item, "leak_source") or "", _text(item, "leak_url"))


def key_from_item(item: Item) -> ApiKey:
    """An :class:`ApiKey` from a raw keys-table item."""
    previous = None
    if "previous_secret_hash" in item:
        previous = SecretHash(
            item["previous_secret_hash"]["S"],
            int(item["previous_pepper_version"]["N"]),
            _time(item, "previous_valid_until"),
        )
    created_by = item["created_by"]["M"]
    return ApiKey(
        key_id=item["key_id"]["S"],
        tenant_id=item["tenant_id"]["S"],
        name=item["name"]["S"],
        description=_text(item, "description") or "",
        group_id=item["group_id"]["S"],
        status=KeyStatus(item["status"]["S"]),
        expires_at=_time(item, "expires_at"),
        ip_allowlist=_strings(item, "ip_allowlist"),
        created_by=Actor(created_by["type"]["S"], created_by["id"]["S"], created_by["name"]["S"]),
        created_at=_required_time(item, "created_at"),
        updated_at=_required_time(item, "updated_at"),
        hint=item["hint"]["S"],
        current_secret=SecretHash(item["secret_hash"]["S"], int(item["pepper_version"]["N"])),
        previous_secret=previous,
        last_used_at=_time(item, "last_used_at"),
        revoked_at=_time(item, "revoked_at"),
        revoked_by=_actor(item, "revoked_by"),
        rotated_at=_time(item, "rotated_at"),
        # The decision never reads these; read anyway (two lookups on a clean key) so the
        # two readers give the same record, and a check of one holds for the other.
        leak=_leak(item),
        leaked_secrets=frozenset(item.get("leaked_secrets", {}).get("SS", ())),
    )


def group_from_item(item: Item) -> Group:
    """A :class:`Group` from a raw groups-table item."""
    return Group(
        group_id=item["group_id"]["S"],
        tenant_id=item["tenant_id"]["S"],
        name=item["name"]["S"],
        description=_text(item, "description") or "",
        permissions=_strings(item, "permissions"),
        routes=_strings(item, "routes"),
        created_at=_required_time(item, "created_at"),
        updated_at=_required_time(item, "updated_at"),
        key_count=int(item.get("key_count", {"N": "0"})["N"]),
    )
