"""What `latchkey tenants check` prints: a table for people, one JSON object for tools."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chalicelib.domain.counters import Report

HEADER = ("TENANT", "COUNTER", "STORED", "FROM KEYS", "")


def rows(reports: Sequence[Report]) -> list[tuple[str, ...]]:
    """One row per finding: a counter that differs, an item that is no group, a lost group."""
    found: list[tuple[str, ...]] = []
    for report in reports:
        done = "repaired" if report.repaired else ""
        for difference in report.differences:
            found.append(
                (
                    report.tenant_id,
                    difference.counter,
                    str(difference.stored),
                    str(difference.counted),
                    done,
                )
            )
        for group_id in report.not_groups:
            removed = "deleted" if report.repaired and group_id not in report.missing_groups else ""
            found.append((report.tenant_id, f"{group_id} (not a group)", "item", "-", removed))
        for group_id in report.missing_groups:
            lost = f"{group_id} (missing group)"
            found.append((report.tenant_id, lost, "-", "keys", "move them"))
    return found


def table(reports: Sequence[Report]) -> list[str]:
    """Aligned lines: the findings, then one line of totals."""
    found = rows(reports)
    drifted = sum(not report.clean for report in reports)
    lines = []
    if found:
        widths = [max(len(row[column]) for row in [HEADER, *found]) for column in range(5)]
        for row in [HEADER, *found]:
            cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            lines.append("  ".join(cells).rstrip())
    lines.append(f"{len(reports)} tenant(s) checked, {drifted} with differences.")
    return lines


def as_json(reports: Sequence[Report]) -> dict[str, Any]:
    return {
        "checked": len(reports),
        "with_differences": sum(not report.clean for report in reports),
        "tenants": [
            {
                "tenant_id": report.tenant_id,
                "differences": [
                    {
                        "counter": difference.counter,
                        "group_id": difference.group_id,
                        "stored": difference.stored,
                        "from_keys": difference.counted,
                    }
                    for difference in report.differences
                ],
                "not_groups": list(report.not_groups),
                "missing_groups": list(report.missing_groups),
                "repaired": report.repaired,
            }
            for report in reports
        ],
    }
