"""``GET /v1/platform/audit-events``: the platform trail, newest first.

Every platform action: platform keys created and revoked (by the operator CLI), and
everything a platform principal did to or in a tenant (tenants created and changed, admin
keys minted, support mode's actions), each with its actor, time, source IP and request id.
"""

from __future__ import annotations

from chalicelib.api.audit import event_out
from chalicelib.api.endpoint import Call, Routes, listing_cursors
from chalicelib.api.operations import Route
from chalicelib.api.schemas import AuditPage
from chalicelib.api.schemas.platform import PlatformAuditQuery
from chalicelib.domain.audit_log import AuditQuery
from chalicelib.domain.platform.principals import PLATFORM_TRAIL

routes = Routes(__name__)


@routes.route(
    Route(
        "/v1/platform/audit-events",
        "GET",
        summary="The platform trail: every platform action, newest first",
        query=PlatformAuditQuery,
        response=AuditPage,
        errors=(422,),
        tag="platform",
        platform=True,
    )
)
def platform_audit_events(call: Call[None, PlatformAuditQuery]) -> AuditPage:
    query = call.query
    # The platform trail's events are indexed by the tenant they are about (target-index).
    wanted = AuditQuery(PLATFORM_TRAIL, query.tenant_id, query.action)
    cursors = listing_cursors(call)
    scope = (PLATFORM_TRAIL, "platform-audit-events", query.tenant_id, query.action)
    events, last = call.services.audit.list(
        wanted, query.limit, cursors.decode(query.cursor, scope)
    )
    return AuditPage(
        events=[event_out(event, platform=True) for event in events],
        next_cursor=cursors.encode(last, scope),
    )
