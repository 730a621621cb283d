"""Checking a tenant's counters against its keys, and repairing them: `latchkey tenants check`.

The counters (a tenant's ``keys_used``, each group's ``key_count``) move in the same
transactions as the keys they count, so they should never differ from a count of the keys.
This recomputes them from the keys and says what differs; a repair sets each one to the
count, on condition that it still holds the value that was read, with an audit event.

It knows no AWS: the store is passed in (chalicelib/storage/counter_check.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.domain import audit
from chalicelib.domain.errors import Conflict
from chalicelib.domain.records import AuditEvent, Origin

# A read of the counters, then of the keys, then of the counters again: when a change
# moved a counter in between, the count is taken again, this many times at most.
ATTEMPTS = 3


@dataclass(frozen=True)
class KeyFacts:
    """What the counters depend on, of one key."""

    group_id: str
    active: bool
    counted: bool  # holds one of its tenant's slots


@dataclass(frozen=True)
class Stored:
    """A tenant's counters as stored, and its group items that hold no group."""

    keys_used: int
    key_counts: dict[str, int]  # group id -> key_count
    not_groups: tuple[str, ...] = ()  # group items without a name (only counters)
    # The tenant's count of its groups; None for a tenant made before the group limit
    # (its count starts with its first new group: chalicelib/storage/group_count.py).
    groups_used: int | None = None


@dataclass(frozen=True)
class Difference:
    """One counter that differs: the tenant's ``keys_used`` or ``groups_used`` (``group_id``
    None), or a group's ``key_count``."""

    group_id: str | None
    stored: int
    counted: int
    name: str = "keys_used"

    @property
    def counter(self) -> str:
        return self.name if self.group_id is None else f"{self.group_id} key_count"


@dataclass(frozen=True)
class Report:
    """What checking one tenant found, and whether it was repaired."""

    tenant_id: str
    differences: tuple[Difference, ...]
    # Group items that are no group (an older release's revoke upserted them); a repair
    # deletes those no active key names.
    not_groups: tuple[str, ...]
    # Groups that active keys name but that do not exist: told, never created.
    missing_groups: tuple[str, ...]
    repaired: bool = False

    @property
    def clean(self) -> bool:
        return not (self.differences or self.not_groups or self.missing_groups)


class CounterStore(Protocol):
    def tenant_ids(self) -> Iterator[str]: ...

    def stored(self, tenant_id: str) -> Stored: ...

    def keys(self, tenant_id: str) -> Iterable[KeyFacts]: ...

    def repair(
        self,
        tenant_id: str,
        differences: Iterable[Difference],
        not_groups: Iterable[str],
        event: AuditEvent,
    ) -> None:
        """Write the counts, each on condition of its stored value; Conflict if one moved."""
        ...


class CounterCheck:
    """Recomputes counters from keys; repairs on request."""

    def __init__(self, store: CounterStore, clock: Callable[[], datetime], origin: Origin) -> None:
        self._store = store
        self._clock = clock
        self._origin = origin

    def check(self, tenant_id: str, repair: bool = False) -> Report:
        stored, keys = self._read(tenant_id)
        report = compare(tenant_id, stored, keys)
        if not repair or not (report.differences or report.not_groups):
            return report
        removable = tuple(g for g in report.not_groups if g not in report.missing_groups)
        event = self._event(tenant_id, report.differences, removable)
        self._store.repair(tenant_id, report.differences, removable, event)
        return Report(
            tenant_id,
            report.differences,
            report.not_groups,
            report.missing_groups,
            repaired=True,
        )

    def check_all(self, repair: bool = False) -> Iterator[Report]:
        for tenant_id in self._store.tenant_ids():
            yield self.check(tenant_id, repair)

    def _read(self, tenant_id: str) -> tuple[Stored, list[KeyFacts]]:
        """Counters and keys read so that no counter moved while the keys were read."""
        before = self._store.stored(tenant_id)
        for _ in range(ATTEMPTS):
            keys = list(self._store.keys(tenant_id))
            after = self._store.stored(tenant_id)
            if after == before:
                return after, keys
            before = after
        raise Conflict("the tenant's counters kept changing while being checked; run it again")

    def _event(
        self, tenant_id: str, differences: Iterable[Difference], removed: Iterable[str]
    ) -> AuditEvent:
        changes: audit.Changes = {
            difference.counter: (difference.stored, difference.counted)
            for difference in differences
        }
        changes |= {f"{group_id} (no group)": ("item", None) for group_id in removed}
        target = ("tenant", tenant_id)
        return audit.event(
            tenant_id, "tenant.counters_repaired", target, self._origin, self._clock(), changes
        )


def compare(tenant_id: str, stored: Stored, keys: Iterable[KeyFacts]) -> Report:
    """What the counters should say, from the keys, against what they say."""
    used = 0
    per_group: Counter[str] = Counter()
    for key in keys:
        if key.active:
            per_group[key.group_id] += 1
            used += key.counted
    differences = []
    if stored.keys_used != used:
        differences.append(Difference(None, stored.keys_used, used))
    groups = len(stored.key_counts)
    if stored.groups_used is not None and stored.groups_used != groups:
        differences.append(Difference(None, stored.groups_used, groups, "groups_used"))
    for group_id, count in sorted(stored.key_counts.items()):
        if count != per_group[group_id]:
            differences.append(Difference(group_id, count, per_group[group_id]))
    missing = sorted(set(per_group) - set(stored.key_counts))
    return Report(tenant_id, tuple(differences), stored.not_groups, tuple(missing))
