"""The usage and audit reads the API serves, over in-memory ports (no storage, no AWS)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from chalicelib.domain.audit_log import AuditLog, AuditPosition, AuditQuery
from chalicelib.domain.errors import NotFound
from chalicelib.domain.records import Actor, ApiKey, AuditEvent, KeyStatus, SecretHash
from chalicelib.domain.usage_reports import DayUsage, UsageReports

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def a_key(tenant_id: str, key_id: str) -> ApiKey:
    return ApiKey(
        key_id=key_id,
        tenant_id=tenant_id,
        name="Billing worker",
        description="",
        group_id="grp_1",
        status=KeyStatus.ACTIVE,
        expires_at=None,
        ip_allowlist=(),
        created_by=Actor(type="user", id="u1", name="Ada"),
        created_at=NOW,
        updated_at=NOW,
        hint="lk_test_k1...",
        current_secret=SecretHash("0" * 64, 1),
    )


@dataclass
class FakeHistory:
    """Daily counts by key and by tenant, and what was asked for."""

    by_key: dict[str, list[DayUsage]] = field(default_factory=dict)
    by_tenant: dict[str, list[DayUsage]] = field(default_factory=dict)
    asked: list[tuple[str, str, str]] = field(default_factory=list)

    def for_key(self, key_id: str, first: str, last: str) -> list[DayUsage]:
        self.asked.append((key_id, first, last))
        return self.by_key.get(key_id, [])

    def for_tenant(self, tenant_id: str, first: str, last: str) -> list[DayUsage]:
        self.asked.append((tenant_id, first, last))
        return self.by_tenant.get(tenant_id, [])


class FakeKeys:
    def __init__(self, *keys: ApiKey) -> None:
        self.keys = {(key.tenant_id, key.key_id): key for key in keys}

    def get(self, tenant_id: str, key_id: str) -> ApiKey:
        try:
            return self.keys[(tenant_id, key_id)]
        except KeyError:
            raise NotFound("no such key") from None


DAYS = [DayUsage("2026-11-23", 5, 1, 2), DayUsage("2026-11-24", 3, 0, 0)]


def test_a_key_report_sums_its_days() -> None:
    history = FakeHistory(by_key={"k1": DAYS})
    reports = UsageReports(history, FakeKeys(a_key("acme", "k1")))

    report = reports.for_key("acme", "k1", "2026-11-01", "2026-11-30")

    assert (report.key_id, report.first, report.last) == ("k1", "2026-11-01", "2026-11-30")
    assert report.days == DAYS
    assert (report.allowed, report.denied, report.tokens_issued) == (8, 1, 2)


def test_another_tenants_key_is_not_found_and_its_usage_never_read() -> None:
    history = FakeHistory(by_key={"k1": DAYS})
    reports = UsageReports(history, FakeKeys(a_key("acme", "k1")))

    with pytest.raises(NotFound):
        reports.for_key("globex", "k1", "2026-11-01", "2026-11-30")
    assert history.asked == []


def test_a_tenant_report_has_no_key_and_zero_totals_without_days() -> None:
    reports = UsageReports(FakeHistory(), FakeKeys())

    report = reports.for_tenant("acme", "2026-11-01", "2026-11-30")

    assert report.key_id is None
    assert (report.days, report.allowed, report.denied, report.tokens_issued) == ([], 0, 0, 0)


class FakeTrail:
    def __init__(self) -> None:
        self.asked: list[tuple[AuditQuery, int, AuditPosition | None]] = []

    def list(
        self, query: AuditQuery, limit: int, after: AuditPosition | None
    ) -> tuple[list[AuditEvent], AuditPosition | None]:
        self.asked.append((query, limit, after))
        return [], ("2026-11-24T12:00:00+00:00#e1", "acme#k1")


def test_the_audit_log_asks_its_trail_for_one_page_from_the_start() -> None:
    trail = FakeTrail()
    query = AuditQuery("acme", target_id="k1", action="key.created")

    events, last = AuditLog(trail).list(query, 20)

    assert events == []
    assert last == ("2026-11-24T12:00:00+00:00#e1", "acme#k1")
    assert trail.asked == [(query, 20, None)]
