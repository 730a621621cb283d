"""``GET /v1/audit-events``: the tenant's audit trail, newest first."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from chalicelib.api.endpoint import Call, Routes
from chalicelib.api.present import actor_out
from chalicelib.api.schemas import AuditEventOut, AuditListQuery, AuditPage, AuditTarget
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.records import AuditEvent
from chalicelib.storage.audit import AuditQuery, Position

routes = Routes(__name__)


@routes.route(
    "/v1/audit-events",
    "GET",
    summary="The tenant's audit trail, newest first",
    query=AuditListQuery,
    response=AuditPage,
    errors=(422,),
    tag="audit",
)
def list_audit_events(call: Call[Any]) -> AuditPage:
    query: AuditListQuery = call.query
    wanted = AuditQuery(call.principal.tenant_id, query.key_id, query.action, query.from_, query.to)
    events, last = call.services.audit.list(wanted, query.limit, _decode(query.cursor))
    return AuditPage(events=[_out(event) for event in events], next_cursor=_encode(last))


def _out(event: AuditEvent) -> AuditEventOut:
    actor = actor_out(event.origin.actor)
    assert actor is not None
    return AuditEventOut(
        id=event.event_id,
        time=event.at,
        action=event.action,
        tenant_id=event.tenant_id,
        actor=actor,
        target=AuditTarget(type=event.target_type, id=event.target_id),
        source_ip=event.origin.source_ip,
        user_agent=event.origin.user_agent,
        request_id=event.origin.request_id,
        changes={
            name: {"before": before, "after": after}
            for name, (before, after) in event.changes.items()
        },
    )


def _encode(position: Position | None) -> str | None:
    if position is None:
        return None
    raw = json.dumps(list(position)).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str | None) -> Position | None:
    if cursor is None:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not (
            isinstance(data, list) and len(data) == 2 and all(isinstance(x, str) for x in data)
        ):
            raise TypeError
    except (binascii.Error, ValueError, TypeError):
        raise InvalidInput(
            "the cursor is not one this API issued",
            errors=[{"field": "cursor", "message": "invalid cursor"}],
        ) from None
    return data[0], data[1]
