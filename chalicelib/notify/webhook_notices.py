"""Telling a tenant its webhook endpoint was disabled: an email-ready EventBridge event.

The event (source ``latchkey``, detail-type ``Webhook Endpoint Disabled``) carries a
subject and a plain-text body beside the facts, so a rule with an SNS or SES target mails
it as is. Never the signing secret; the URL is shown as the tenant registered it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from chalicelib.clock import iso_z
from chalicelib.domain.webhooks import Endpoint

SOURCE = "latchkey"
DETAIL_TYPE = "Webhook Endpoint Disabled"


def disabled_detail(endpoint: Endpoint, at: datetime) -> dict[str, Any]:
    subject = f"Latchkey: webhook endpoint {endpoint.endpoint_id} of {endpoint.tenant_id} disabled"
    text = "\n".join(
        [
            f"Deliveries to the webhook endpoint {endpoint.url} "
            f"({endpoint.description or 'no description'}) of tenant {endpoint.tenant_id} "
            f"failed for 24 hours, so it was disabled at {iso_z(at)}.",
            "",
            "Fix the receiver, then enable it again with PATCH /v1/webhooks/"
            f'{endpoint.endpoint_id} {{"enabled": true}}. Events in the meantime are not sent.',
        ]
    )
    return {
        "tenant_id": endpoint.tenant_id,
        "webhook_id": endpoint.endpoint_id,
        "url": endpoint.url,
        "description": endpoint.description,
        "disabled_at": iso_z(at),
        "reason": endpoint.disabled_reason,
        "subject": subject[:100],
        "text": text,
    }


class EventBridgeWebhookNotifier:
    def __init__(self, bus: str, client: Callable[[], Any]) -> None:
        self._bus = bus
        self._factory = client
        self._client: Any = None
        self._lock = threading.Lock()

    def endpoint_disabled(self, endpoint: Endpoint, at: datetime) -> None:
        with self._lock:
            if self._client is None:
                self._client = self._factory()
        entry = {
            "Source": SOURCE,
            "DetailType": DETAIL_TYPE,
            "Detail": json.dumps(disabled_detail(endpoint, at)),
            "EventBusName": self._bus,
        }
        answer = self._client.put_events(Entries=[entry])
        if answer.get("FailedEntryCount"):
            raise RuntimeError(f"EventBridge refused the event: {answer['Entries'][0]}")


class RecordingWebhookNotifier:
    """Keeps the events; make dev and tests."""

    def __init__(self) -> None:
        self.disabled: list[dict[str, Any]] = []

    def endpoint_disabled(self, endpoint: Endpoint, at: datetime) -> None:
        self.disabled.append(disabled_detail(endpoint, at))
