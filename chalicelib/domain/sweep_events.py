"""What the expiry sweep says about a key: its warning, and the audit events of its flags."""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain import audit
from chalicelib.domain.expiry import Plan, days_left
from chalicelib.domain.records import SYSTEM, AuditEvent
from chalicelib.domain.warnings import Candidate, Notice


def notice_for(candidate: Candidate, plan: Plan, now: datetime) -> Notice:
    return Notice(
        tenant_id=candidate.tenant_id,
        key_id=candidate.key_id,
        key_name=candidate.name,
        group_id=candidate.group_id,
        expires_at=candidate.expires_at,
        days_left=days_left(candidate.expires_at, now),
        threshold=plan.threshold,
        created_by=candidate.created_by,
    )


def flagged(candidate: Candidate, plan: Plan, now: datetime) -> AuditEvent:
    """The audit event written with the flag: expiring (a warning threshold) or expired."""
    action = "key.flagged_expired" if plan.expired else "key.flagged_expiring"
    changes: audit.Changes = {"notified_thresholds": (None, sorted(plan.covers))}
    if plan.expired and candidate.counted:
        changes["counted"] = (True, False)
    return audit.event(candidate.tenant_id, action, ("key", candidate.key_id), SYSTEM, now, changes)


def released(candidate: Candidate, plan: Plan, now: datetime) -> AuditEvent:
    """The audit event of a flag taken back because its warning could not be sent."""
    changes: audit.Changes = {"notified_thresholds": (sorted(plan.covers), None)}
    target = ("key", candidate.key_id)
    return audit.event(candidate.tenant_id, "key.warning_released", target, SYSTEM, now, changes)
