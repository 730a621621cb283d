"""Audit events: added to the transaction of the change they record, and read back.

Every write that changes a key, a group or a tenant calls :func:`add_event` on its own
:class:`Transaction`, so a change is never without its event nor an event without its change.
``AuditWriter.add`` also writes the event's webhook into the outbox, in the same transaction
(chalicelib/storage/webhook_outbox.py).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from pynamodb.connection import Connection
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from chalicelib.clock import iso_z
from chalicelib.config.dynamodb import DynamoDbSettings
from chalicelib.domain.audit_log import AuditPosition, AuditQuery, AuditTrail
from chalicelib.domain.platform.principals import PLATFORM_ACTOR, PLATFORM_TRAIL
from chalicelib.domain.records import Actor, AuditEvent, Origin
from chalicelib.storage import webhook_outbox
from chalicelib.storage.convert import actor_from, actor_to
from chalicelib.storage.errors import storage_errors
from chalicelib.storage.models import AuditModel
from chalicelib.storage.transaction import Cancelled, Transaction


def _json(value: object) -> object:
    if isinstance(value, datetime):
        return iso_z(value)
    if isinstance(value, tuple | list | set | frozenset):
        return [_json(item) for item in value]
    return value


DEFAULT_RETENTION = timedelta(days=DynamoDbSettings.audit_retention_days)


class AuditWriter:
    """Adds events to transactions; holds the retention (LATCHKEY_AUDIT_RETENTION_DAYS)."""

    def __init__(self, retention: timedelta = DEFAULT_RETENTION) -> None:
        self.retention = retention

    def add(self, tx: Transaction, event: AuditEvent | None) -> None:
        """Write ``event`` in ``tx``, and its webhook into the outbox when it is one; a
        platform principal's event in a tenant's trail is also written to the platform trail,
        in the same transaction, naming that tenant."""
        if event is None:
            return
        add_event(tx, event, self.retention)
        webhook_outbox.emit(tx, event)
        if event.origin.actor.type == PLATFORM_ACTOR and event.tenant_id != PLATFORM_TRAIL:
            add_event(tx, event, self.retention, PLATFORM_TRAIL)

    def update(
        self,
        connection: Connection,
        item: Model,
        actions: list[Action],
        condition: Condition,
        event: AuditEvent | None,
    ) -> bool:
        """One conditional update with its event; False when the update's condition failed."""
        tx = Transaction(connection)
        tx.update("item", item, actions, condition)
        self.add(tx, event)
        try:
            tx.commit()
        except Cancelled as cancelled:
            if "item" in cancelled.failed:
                return False
            raise
        return True


def add_event(
    tx: Transaction, event: AuditEvent, retention: timedelta, trail: str | None = None
) -> None:
    """Write ``event`` in the transaction ``tx`` (its id makes it unique), named "audit".

    ``trail``: another audit partition than the event's tenant (the platform trail), which
    then records the tenant the event is about as ``subject_tenant``.
    """
    partition = trail or event.tenant_id
    changes = {
        name: {"before": _json(before), "after": _json(after)}
        for name, (before, after) in event.changes.items()
    }
    values: dict[str, object] = {
        # In the platform trail an event is found by the tenant it is about (target-index).
        "target_key": f"{partition}#{event.tenant_id if trail else event.target_id}",
        "event_id": event.event_id,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "actor": actor_to(event.origin.actor),
        "source_ip": event.origin.source_ip,
        "user_agent": event.origin.user_agent,
        "request_id": event.origin.request_id,
        "at": event.at,
        "changes": json.dumps(changes, sort_keys=True),
        "expires": event.at + retention,
        "subject_tenant": event.tenant_id if trail else None,
    }
    actions = [
        getattr(AuditModel, name).set(value) for name, value in values.items() if value is not None
    ]
    item = AuditModel(partition, f"{event.at.isoformat()}#{event.event_id}")
    tx.update(
        "audit" if trail is None else "platform_audit",
        item,
        actions,
        AuditModel.event_key.does_not_exist(),
    )


class AuditStore(AuditTrail):
    """Reads a tenant's audit events, newest first."""

    def __init__(self, max_examined: int | None = None, filtered_page: int | None = None) -> None:
        # How much one page with an action filter may read (tests make it small).
        self._max_examined = max_examined or MAX_EXAMINED
        self._filtered_page = filtered_page or FILTERED_PAGE

    def list(
        self, query: AuditQuery, limit: int, after: AuditPosition | None
    ) -> tuple[list[AuditEvent], AuditPosition | None]:
        low = query.first.isoformat() if query.first else "0"  # keys may not be empty
        high = (query.last.isoformat() if query.last else "9999") + "\uffff"
        in_range = AuditModel.event_key.between(low, high)
        action = AuditModel.action == query.action if query.action else None
        # Without an action filter a page is one Query of limit + 1; with one, pages of the
        # range are read until limit + 1 match or MAX_EXAMINED were examined.
        size = limit + 1 if action is None else self._filtered_page
        start = None
        with storage_errors():
            if query.target_id is not None:
                target = f"{query.tenant_id}#{query.target_id}"
                if after is not None:
                    start = _start(query.tenant_id, target, after[0])
                items = AuditModel.by_target.query(
                    target,
                    in_range,
                    filter_condition=action,
                    scan_index_forward=False,
                    last_evaluated_key=start,
                    page_size=size,
                )
            else:
                target = query.tenant_id  # a cursor's second part must not be empty
                if after is not None:
                    start = {"tenant_id": {"S": query.tenant_id}, "event_key": {"S": after[0]}}
                items = AuditModel.query(
                    query.tenant_id,
                    in_range,
                    filter_condition=action,
                    scan_index_forward=False,
                    last_evaluated_key=start,
                    page_size=size,
                )
            return _page(items.page_iter, limit, target, self._max_examined)


# An action filter is a filter expression: a rare action would otherwise read the whole
# range. A page examines at most this many events and may end short, with a cursor.
MAX_EXAMINED = 1000
FILTERED_PAGE = 250


def _page(
    pages: Any, limit: int, target: str, max_examined: int
) -> tuple[list[AuditEvent], AuditPosition | None]:
    """Up to ``limit`` events from ``pages`` (raw Query pages), and the next position."""
    found: list[AuditModel] = []
    for raw in pages:
        found += [AuditModel.from_raw_data(item) for item in raw["Items"]]
        if len(found) > limit:
            last = found[limit - 1]
            return [_event(item) for item in found[:limit]], (last.event_key, last.target_key)
        following = pages.last_evaluated_key
        if following is None:
            break
        if pages.total_scanned_count >= max_examined:
            return [_event(item) for item in found], (following["event_key"]["S"], target)
    return [_event(item) for item in found], None


def _start(tenant_id: str, target_key: str, event_key: str) -> dict[str, Any]:
    return {
        "tenant_id": {"S": tenant_id},
        "event_key": {"S": event_key},
        "target_key": {"S": target_key},
    }


def _event(item: AuditModel) -> AuditEvent:
    actor = actor_from(item.actor) or Actor("system", "unknown", "unknown")
    changes = {
        name: (value.get("before"), value.get("after"))
        for name, value in json.loads(item.changes).items()
    }
    origin = Origin(actor, item.source_ip, item.user_agent, item.request_id)
    return AuditEvent(
        item.event_id,
        item.subject_tenant or item.tenant_id,
        item.action,
        item.target_type,
        item.target_id,
        origin,
        item.at,
        changes,
    )
