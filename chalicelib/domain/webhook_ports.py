"""The ports webhooks reach storage, the queue, the network and the notifier through.

Storage implements the repositories (chalicelib/storage/webhooks.py, webhook_deliveries.py),
SQS or make dev's worker the queue, chalicelib/notify the transport and the notifier.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

from chalicelib.domain.records import AuditEvent
from chalicelib.domain.webhook_urls import Target
from chalicelib.domain.webhooks import Delivery, DeliveryRef, Endpoint


class EndpointRepository(Protocol):
    def create(self, endpoint: Endpoint, limit: int, event: AuditEvent) -> None:
        """Insert under the tenant's endpoint limit; WebhookLimitReached when it is reached."""

    def list(self, tenant_id: str) -> list[Endpoint]:
        """The tenant's endpoints (at most its limit), oldest first."""

    def find(self, tenant_id: str, endpoint_id: str) -> Endpoint | None: ...

    def replace(self, before: Endpoint, after: Endpoint, event: AuditEvent | None) -> bool:
        """Write ``after`` if the stored endpoint is still ``before``; False when it changed."""

    def delete(self, endpoint: Endpoint, event: AuditEvent) -> None:
        """Remove it and give back its slot of the limit; NotFound when it is gone."""


class DeliveryRepository(Protocol):
    def add(self, delivery: Delivery, retention_days: int) -> bool:
        """Insert; False when that message was already added for that endpoint."""

    def get(self, ref: DeliveryRef) -> Delivery | None: ...

    def claim(self, delivery: Delivery, token: str, now: datetime, lease_seconds: int) -> bool:
        """Take the next attempt of ``delivery`` as read: still pending, due, not leased by
        another worker, no attempt recorded since. False when another worker has it."""

    def record(self, delivery: Delivery, after: Delivery, token: str) -> bool:
        """Write the attempt's outcome while ``token`` still holds the claim."""

    def page(
        self, tenant_id: str, endpoint_id: str, limit: int, after: str | None
    ) -> tuple[list[Delivery], str | None]:
        """Newest first; the sort key where the next page starts, if any."""


class DeliveryQueue(Protocol):
    def send(self, ref: DeliveryRef, delay_seconds: int) -> None: ...


class Transport(Protocol):
    def post(
        self, target: Target, headers: Mapping[str, str], body: bytes, timeout: float
    ) -> tuple[int | None, str | None]:
        """POST to the checked address; (status code, None) or (None, what went wrong)."""


class WebhookNotifier(Protocol):
    def endpoint_disabled(self, endpoint: Endpoint, at: datetime) -> None:
        """Tell the tenant (an email-ready event) that deliveries to it stopped."""
