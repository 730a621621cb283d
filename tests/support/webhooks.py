"""In-memory stand-ins for webhooks' ports, and a receiver that verifies with the
``standardwebhooks`` library, as a tenant's own system would."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from chalicelib.domain.errors import NotFound, WebhookLimitReached
from chalicelib.domain.records import AuditEvent
from chalicelib.domain.webhook_urls import Target
from chalicelib.domain.webhooks import Delivery, DeliveryRef, Endpoint


def resolving(*addresses: str) -> Callable[[str, int], Sequence[str]]:
    """A resolver that answers ``addresses`` for every host (no DNS in tests)."""

    def resolver(host: str, port: int) -> Sequence[str]:
        return addresses

    return resolver


PUBLIC = resolving("93.184.215.14")


class MemoryEndpoints:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], Endpoint] = {}
        self.events: list[AuditEvent] = []

    def create(self, endpoint: Endpoint, limit: int, event: AuditEvent) -> None:
        if len(self.list(endpoint.tenant_id)) >= limit:
            raise WebhookLimitReached("limit", limit=limit)
        self.items[(endpoint.tenant_id, endpoint.endpoint_id)] = endpoint
        self.events.append(event)

    def list(self, tenant_id: str) -> list[Endpoint]:
        return [e for (t, _), e in sorted(self.items.items()) if t == tenant_id]

    def find(self, tenant_id: str, endpoint_id: str) -> Endpoint | None:
        return self.items.get((tenant_id, endpoint_id))

    def replace(self, before: Endpoint, after: Endpoint, event: AuditEvent | None) -> bool:
        if self.items.get((before.tenant_id, before.endpoint_id)) != before:
            return False
        self.items[(before.tenant_id, before.endpoint_id)] = after
        if event is not None:
            self.events.append(event)
        return True

    def delete(self, endpoint: Endpoint, event: AuditEvent) -> None:
        if self.items.pop((endpoint.tenant_id, endpoint.endpoint_id), None) is None:
            raise NotFound("gone")
        self.events.append(event)


class MemoryDeliveries:
    def __init__(self) -> None:
        self.items: dict[DeliveryRef, Delivery] = {}
        self.claims: dict[DeliveryRef, str] = {}

    def add(self, delivery: Delivery, retention_days: int) -> bool:
        if delivery.ref in self.items:
            return False
        self.items[delivery.ref] = delivery
        return True

    def get(self, ref: DeliveryRef) -> Delivery | None:
        return self.items.get(ref)

    def claim(self, delivery: Delivery, token: str, now: datetime, lease_seconds: int) -> bool:
        if self.items.get(delivery.ref) != delivery or delivery.ref in self.claims:
            return False
        self.claims[delivery.ref] = token
        return True

    def record(self, delivery: Delivery, after: Delivery, token: str) -> bool:
        if self.claims.get(delivery.ref) != token:
            return False
        del self.claims[delivery.ref]
        self.items[delivery.ref] = after
        return True

    def page(
        self, tenant_id: str, endpoint_id: str, limit: int, after: str | None
    ) -> tuple[list[Delivery], str | None]:
        found = sorted(
            (
                d
                for d in self.items.values()
                if (d.tenant_id, d.endpoint_id) == (tenant_id, endpoint_id)
            ),
            key=lambda d: d.sort_key,
            reverse=True,
        )
        return found[:limit], None


@dataclass
class ListQueue:
    sent: list[tuple[DeliveryRef, int]] = field(default_factory=list)

    def send(self, ref: DeliveryRef, delay_seconds: int) -> None:
        self.sent.append((ref, delay_seconds))


@dataclass
class ScriptedTransport:
    """Answers each POST with the next scripted outcome (the last one repeats)."""

    outcomes: list[tuple[int | None, str | None]] = field(default_factory=lambda: [(204, None)])
    requests: list[tuple[Target, dict[str, str], bytes]] = field(default_factory=list)

    def post(
        self, target: Target, headers: Mapping[str, str], body: bytes, timeout: float
    ) -> tuple[int | None, str | None]:
        self.requests.append((target, dict(headers), body))
        index = min(len(self.requests) - 1, len(self.outcomes) - 1)
        return self.outcomes[index]


def with_status(endpoint: Endpoint, status: str) -> Endpoint:
    return replace(endpoint, status=status)


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    payload: Any  # what the library returned, or None when verification failed
    error: str | None


class VerifyingReceiver:
    """An HTTP server on 127.0.0.1 that verifies every request with ``standardwebhooks``.

    Answers 204 to a request that verifies, 401 to one that does not, ``status`` if set.
    """

    def __init__(self, secret: str = "", status: int | None = None) -> None:
        self.secret = secret
        self.status = status
        self.received: list[Received] = []
        self.arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                headers = {name.lower(): value for name, value in self.headers.items()}
                try:
                    payload = Webhook(receiver.secret).verify(body, headers)
                    error = None
                except WebhookVerificationError as failure:
                    payload, error = None, str(failure)
                receiver.received.append(Received(headers, body, payload, error))
                receiver.arrived.set()
                self.send_response(receiver.status or (204 if error is None else 401))
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hooks/latchkey"

    def __enter__(self) -> VerifyingReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def verified(self) -> list[Any]:
        return [r.payload for r in self.received if r.error is None]


def body_of(received: Received) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(received.body)
    return loaded
