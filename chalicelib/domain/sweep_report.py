"""What one sweep run did, and the per-tenant digests it sends (chalicelib/domain/sweep.py
runs it; chalicelib/wiring/expiry_sweep.py and chalicelib/observability/sweep.py report it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from chalicelib.domain.warnings import Digest, Notice


@dataclass
class SweepReport:
    """What one run did (or, in a dry run, would do)."""

    now: datetime
    dry_run: bool
    examined: int = 0
    notices: list[Notice] = field(default_factory=list)
    lost_races: int = 0
    released: int = 0
    stopped_early: bool = False
    digests_failed: int = 0  # SNS digests not sent (the events were)

    @property
    def crossed(self) -> int:
        return len(self.notices)

    def absorb(self, part: SweepReport) -> None:
        """Add what one shard's worker did to this run's report."""
        self.notices += part.notices
        self.lost_races += part.lost_races
        self.released += part.released
        self.stopped_early |= part.stopped_early

    def digests(self) -> list[Digest]:
        """One digest per tenant, of all its warnings this run, tenants in order."""
        by_tenant: dict[str, list[Notice]] = {}
        for notice in self.notices:
            by_tenant.setdefault(notice.tenant_id, []).append(notice)
        return [Digest(tenant, tuple(notices)) for tenant, notices in sorted(by_tenant.items())]
