"""The usage and audit reads the API serves, over in-memory ports (no storage, no AWS)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pytest

from chalicelib.domain.audit_log import AuditLog, AuditPosition, AuditQuery
from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.domain.records import ApiKey, AuditEvent
from chalicelib.domain.usage_reports import DayRange, DayUsage, UsageReports
from tests.support.records import make_key

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def a_key(tenant_id: str, key_id: str) -> ApiKey:
    return make_key(
        key_id=key_id, tenant_id=tenant_id, group_id="grp_1", created_at=NOW, updated_at=NOW
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
NOV_1, NOV_30 = date(2026, 11, 1), date(2026, 11, 30)


def reports_over(history: FakeHistory, *keys: ApiKey) -> UsageReports:
    """Reports whose clock reads NOW (2026-11-24)."""
    return UsageReports(history, FakeKeys(*keys), lambda: NOW)


def test_a_key_report_sums_its_days() -> None:
    history = FakeHistory(by_key={"k1": DAYS})
    reports = reports_over(history, a_key("acme", "k1"))

    report = reports.for_key("acme", "k1", NOV_1, NOV_30)

    assert (report.key_id, report.first, report.last) == ("k1", "2026-11-01", "2026-11-30")
    assert report.days == DAYS
    assert (report.allowed, report.denied, report.tokens_issued) == (8, 1, 2)


def test_another_tenants_key_is_not_found_and_its_usage_never_read() -> None:
    history = FakeHistory(by_key={"k1": DAYS})
    reports = reports_over(history, a_key("acme", "k1"))

    with pytest.raises(NotFound):
        reports.for_key("globex", "k1", NOV_1, NOV_30)
    assert history.asked == []


def test_a_tenant_report_has_no_key_and_zero_totals_without_days() -> None:
    reports = reports_over(FakeHistory())

    report = reports.for_tenant("acme", NOV_1, NOV_30)

    assert report.key_id is None
    assert (report.days, report.allowed, report.denied, report.tokens_issued) == ([], 0, 0, 0)


def test_no_range_is_the_30_days_ending_today_on_the_services_clock() -> None:
    history = FakeHistory()

    report = reports_over(history).for_tenant("acme", None, None)

    assert (report.first, report.last) == ("2026-10-26", "2026-11-24")
    assert history.asked == [("acme", "2026-10-26", "2026-11-24")]


def test_a_range_with_only_to_ends_there_and_never_starts_before_the_calendar() -> None:
    assert DayRange.asked(None, NOV_30, NOW.date()) == DayRange(date(2026, 11, 1), NOV_30)
    first_day = date(1, 1, 1)
    assert DayRange.asked(None, first_day, NOW.date()) == DayRange(first_day, first_day)


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        (NOV_30, NOV_1, "from must not be after to"),
        (date(2026, 11, 25), None, "from must not be after to"),  # after today, the default
        (date(2024, 1, 1), date(2025, 1, 1), "the range may span at most 366 days"),  # 367
    ],
)
def test_a_bad_range_is_refused_before_any_count_is_read(
    first: date, last: date | None, message: str
) -> None:
    history = FakeHistory(by_tenant={"acme": DAYS}, by_key={"k1": DAYS})
    reports = reports_over(history, a_key("acme", "k1"))

    with pytest.raises(InvalidInput) as tenant_refusal:
        reports.for_tenant("acme", first, last)
    with pytest.raises(InvalidInput) as key_refusal:
        reports.for_key("acme", "k1", first, last)

    expected = [{"field": "query", "message": message}]
    assert tenant_refusal.value.extra["errors"] == key_refusal.value.extra["errors"] == expected
    assert history.asked == []


def test_a_bad_range_for_another_tenants_key_is_refused_as_a_range_never_a_lookup() -> None:
    history = FakeHistory(by_key={"k1": DAYS})
    reports = reports_over(history, a_key("globex", "k1"))

    with pytest.raises(InvalidInput):  # not NotFound: the key is never looked up
        reports.for_key("acme", "k1", NOV_30, NOV_1)
    assert history.asked == []


def test_a_leap_year_is_the_longest_range() -> None:
    leap = DayRange.asked(date(2024, 1, 1), date(2024, 12, 31), NOW.date())
    assert (leap.last - leap.first).days + 1 == 366


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
