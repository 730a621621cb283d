"""Webhook endpoint storage: under the tenant's hash key, with the tenant's endpoint count.

Create and delete move the count item (``#count``) in the same transaction as the endpoint
and its audit event, under a condition that keeps it within the limit; an edit writes only
while the endpoint is as it was read.
"""

from __future__ import annotations

from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.update import Action

from chalicelib.domain.errors import NotFound, WebhookLimitReached
from chalicelib.domain.records import AuditEvent
from chalicelib.domain.webhooks import Endpoint
from chalicelib.storage.audit import AuditWriter
from chalicelib.storage.errors import storage_errors
from chalicelib.storage.transaction import Cancelled, Transaction
from chalicelib.storage.webhook_models import COUNT_ITEM, ENDPOINT_PREFIX, WebhookEndpointModel

M = WebhookEndpointModel
_MUTABLE = (
    "url",
    "events",
    "description",
    "status",
    "updated_at",
    "sealed_secret",
    "sealed_previous",
    "previous_valid_until",
    "disabled_at",
    "disabled_reason",
)


def endpoint_from(item: WebhookEndpointModel) -> Endpoint:
    return Endpoint(
        item.tenant_id,
        item.endpoint_id,
        item.url or "",
        tuple(str(event) for event in item.events or ()),
        item.description,
        item.status or "disabled",
        item.created_at,
        item.updated_at,
        item.sealed_secret or "",
        item.sealed_previous,
        item.previous_valid_until,
        item.disabled_at,
        item.disabled_reason,
    )


def _values(endpoint: Endpoint) -> dict[str, Any]:
    values = {name: getattr(endpoint, name) for name in _MUTABLE}
    values["events"] = list(endpoint.events)
    return values


class EndpointStore:
    def __init__(self, connection: Connection, audit: AuditWriter) -> None:
        self._connection = connection
        self._audit = audit

    def create(self, endpoint: Endpoint, limit: int, event: AuditEvent) -> None:
        tx = Transaction(self._connection)
        item = M(endpoint.tenant_id, endpoint.endpoint_id, created_at=endpoint.created_at)
        for name, value in _values(endpoint).items():
            setattr(item, name, value)
        tx.save("endpoint", item, M.endpoint_id.does_not_exist())
        tx.update(
            "count",
            M(endpoint.tenant_id, COUNT_ITEM),
            [M.used.add(1)],
            M.used.does_not_exist() | (M.used < limit),
        )
        self._audit.add(tx, event)
        try:
            tx.commit()
        except Cancelled as cancelled:
            if "count" in cancelled.failed:
                raise WebhookLimitReached(
                    f"the tenant has {limit} webhook endpoints, the most allowed", limit=limit
                ) from None
            raise

    def list(self, tenant_id: str) -> list[Endpoint]:
        with storage_errors():
            items = M.query(
                tenant_id, M.endpoint_id.startswith(ENDPOINT_PREFIX), consistent_read=True
            )
            return [endpoint_from(item) for item in items]

    def find(self, tenant_id: str, endpoint_id: str) -> Endpoint | None:
        if not endpoint_id.startswith(ENDPOINT_PREFIX):
            return None
        with storage_errors():
            try:
                return endpoint_from(M.get(tenant_id, endpoint_id, consistent_read=True))
            except DoesNotExist:
                return None

    def replace(self, before: Endpoint, after: Endpoint, event: AuditEvent | None) -> bool:
        actions: list[Action] = [
            getattr(M, name).remove() if value is None else getattr(M, name).set(value)
            for name, value in _values(after).items()
        ]
        tx = Transaction(self._connection)
        tx.update(
            "endpoint",
            M(before.tenant_id, before.endpoint_id),
            actions,
            (M.updated_at == before.updated_at) & (M.status == before.status),
        )
        self._audit.add(tx, event)
        try:
            tx.commit()
        except Cancelled as cancelled:
            if "endpoint" in cancelled.failed:
                return False
            raise
        return True

    def delete(self, endpoint: Endpoint, event: AuditEvent) -> None:
        tx = Transaction(self._connection)
        tx.delete("endpoint", M(endpoint.tenant_id, endpoint.endpoint_id), M.status.exists())
        tx.update("count", M(endpoint.tenant_id, COUNT_ITEM), [M.used.add(-1)], M.used > 0)
        self._audit.add(tx, event)
        try:
            tx.commit()
        except Cancelled as cancelled:
            if "endpoint" in cancelled.failed:
                raise NotFound("no webhook endpoint with this id") from None
            raise
