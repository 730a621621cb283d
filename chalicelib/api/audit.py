"""``GET /v1/audit-events``: the tenant's audit trail, newest first."""

from __future__ import annotations

from datetime import datetime

from chalicelib.api.endpoint import Call, Routes, listing_cursors
from chalicelib.api.operations import Route
from chalicelib.api.present import actor_out
from chalicelib.api.schemas import AuditEventOut, AuditListQuery, AuditPage, AuditTarget
from chalicelib.domain.audit_log import AuditQuery
from chalicelib.domain.platform.principals import PLATFORM_TRAIL
from chalicelib.domain.records import AuditEvent

routes = Routes(__name__)


@routes.route(
    Route(
        "/v1/audit-events",
        "GET",
        summary="The tenant's audit trail, newest first",
        query=AuditListQuery,
        response=AuditPage,
        errors=(422,),
        tag="audit",
    )
)
def list_audit_events(call: Call[None, AuditListQuery]) -> AuditPage:
    query = call.query
    tenant_id = call.principal.tenant_id
    wanted = AuditQuery(tenant_id, query.key_id, query.action, query.from_, query.to)
    cursors = listing_cursors(call)
    scope = (
        tenant_id,
        "audit-events",
        query.key_id,
        query.action,
        _iso(query.from_),
        _iso(query.to),
    )
    events, last = call.services.audit.list(
        wanted, query.limit, cursors.decode(query.cursor, scope)
    )
    return AuditPage(
        events=[event_out(event) for event in events], next_cursor=cursors.encode(last, scope)
    )


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def event_out(event: AuditEvent, platform: bool = False) -> AuditEventOut:
    """One event as the API shows it; in the platform trail, ``tenant_id`` is the tenant the
    event is about, or null for the platform's own (platform keys)."""
    actor = actor_out(event.origin.actor)
    assert actor is not None
    tenant_id = None if platform and event.tenant_id == PLATFORM_TRAIL else event.tenant_id
    return AuditEventOut(
        id=event.event_id,
        time=event.at,
        action=event.action,
        tenant_id=tenant_id,
        actor=actor,
        target=AuditTarget(type=event.target_type, id=event.target_id),
        source_ip=event.origin.source_ip,
        user_agent=event.origin.user_agent,
        request_id=event.origin.request_id,
        changes={
            name: {"before": before, "after": after}
            for name, (before, after) in _shown(event).items()
        },
    )


def _shown(event: AuditEvent) -> dict[str, tuple[object, object]]:
    """The event's changes, a leak's URL cut to its scheme and host (chalicelib/domain/
    leaks.py: shown_url), for events recorded before only those were kept."""
    if "leak_url" not in event.changes:
        return dict(event.changes)
    from chalicelib.domain.leaks import shown_url

    before, after = event.changes["leak_url"]
    return {**event.changes, "leak_url": (shown_url(before), shown_url(after))}
