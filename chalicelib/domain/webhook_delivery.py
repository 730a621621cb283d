"""Getting webhooks out: the relay (outbox -> one delivery per subscribed endpoint) and the
deliverer (one attempt at a time, signed as Standard Webhooks define, retried with backoff).

At least once: a delivery is recorded before it is queued, and a queue message is dropped
only once its attempt is recorded or its next hop queued. Two workers never make the same
attempt: an attempt starts with a conditional claim (pending, due, unleased, no attempt
since) and its outcome is written only under that claim. A worker that dies mid-attempt
leaves a lease that expires, and the attempt is made again (a duplicate the receiver
recognises by ``webhook-id``). Order is not promised: retries and parallel workers let a
later event arrive first.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from standardwebhooks.webhooks import Webhook

from chalicelib.domain import audit
from chalicelib.domain.records import SYSTEM
from chalicelib.domain.webhook_ports import (
    DeliveryQueue,
    DeliveryRepository,
    EndpointRepository,
    Transport,
    WebhookNotifier,
)
from chalicelib.domain.webhook_retry import RetrySchedule
from chalicelib.domain.webhook_secrets import SecretBox
from chalicelib.domain.webhook_urls import Resolver, UrlRefused, resolve_target
from chalicelib.domain.webhooks import (
    Attempt,
    Delivery,
    DeliveryRef,
    DeliveryState,
    Endpoint,
    EndpointStatus,
    Message,
    subscribed,
)

Clock = Callable[[], datetime]
# SQS delays a message at most 15 minutes; longer pauses take several hops.
MAX_QUEUE_DELAY = 900
# Deliveries (without bodies in answers) are kept this long.
RETENTION_DAYS = 30


@dataclass(frozen=True)
class DeliveryRules:
    allow_loopback_http: bool
    timeout_seconds: float
    schedule: RetrySchedule = field(default_factory=RetrySchedule)

    @property
    def lease_seconds(self) -> int:
        # Longer than any attempt can take (connect + read timeouts, signing), so a live
        # worker's claim never lapses under it.
        return int(self.timeout_seconds * 3) + 30


def sign(endpoint: Endpoint, message_id: str, body: str, at: datetime, box: SecretBox) -> str:
    """The ``webhook-signature`` header: v1 under the current secret, and under the previous
    one while its grace lasts (receivers holding either secret verify)."""
    sealed = [endpoint.sealed_secret]
    if (
        endpoint.sealed_previous
        and endpoint.previous_valid_until
        and at < endpoint.previous_valid_until
    ):
        sealed.append(endpoint.sealed_previous)
    signatures = [
        Webhook(box.open(one, endpoint.context)).sign(message_id, at, body) for one in sealed
    ]
    return " ".join(signatures)


class Relay:
    """Turns an outbox message into deliveries for the tenant's subscribed, enabled endpoints.

    Safe to run twice on one message (a stream retried, make dev restarted): a delivery is
    keyed by its endpoint and message, so the second run adds none and only queues again.
    """

    def __init__(
        self, endpoints: EndpointRepository, deliveries: DeliveryRepository, queue: DeliveryQueue
    ) -> None:
        self._endpoints = endpoints
        self._deliveries = deliveries
        self._queue = queue

    def relay(self, message: Message) -> int:
        """Deliveries queued for ``message``."""
        queued = 0
        for endpoint in self._endpoints.list(message.tenant_id):
            if endpoint.status != EndpointStatus.ENABLED:
                continue
            if not subscribed(endpoint.events, message.event_type):
                continue
            delivery = Delivery(
                message.tenant_id,
                endpoint.endpoint_id,
                message.message_id,
                message.event_type,
                message.at,
                message.body,
                next_attempt_at=message.at,
            )
            self._deliveries.add(delivery, RETENTION_DAYS)
            self._queue.send(delivery.ref, 0)
            queued += 1
        return queued


class Deliverer:
    """Makes the due attempt of one delivery and schedules the next, or gives up."""

    def __init__(
        self,
        endpoints: EndpointRepository,
        deliveries: DeliveryRepository,
        queue: DeliveryQueue,
        transport: Transport,
        notifier: WebhookNotifier,
        box: SecretBox,
        rules: DeliveryRules,
        resolver: Resolver,
        clock: Clock,
    ) -> None:
        self._endpoints = endpoints
        self._deliveries = deliveries
        self._queue = queue
        self._transport = transport
        self._notifier = notifier
        self._box = box
        self._rules = rules
        self._resolver = resolver
        self._clock = clock

    def process(self, ref: DeliveryRef) -> str:
        """What happened: "done", "waiting" (queued for later), "busy" (another worker has
        it), or the attempt's new state ("delivered", "pending", "failed")."""
        delivery = self._deliveries.get(ref)
        if delivery is None or delivery.state != DeliveryState.PENDING:
            return "done"
        now = self._clock()
        due = delivery.next_attempt_at or now
        if due > now:
            wait = int((due - now).total_seconds()) + 1
            self._queue.send(ref, min(wait, MAX_QUEUE_DELAY))
            return "waiting"
        token = uuid.uuid4().hex
        if not self._deliveries.claim(delivery, token, now, self._rules.lease_seconds):
            return "busy"
        endpoint = self._endpoints.find(ref.tenant_id, ref.endpoint_id)
        attempt = self._attempt(endpoint, delivery)
        after = self._outcome(delivery, attempt, endpoint)
        if not self._deliveries.record(delivery, after, token):
            return "busy"  # our lease lapsed and another worker took the attempt over
        if after.state == DeliveryState.PENDING and after.next_attempt_at is not None:
            wait = int((after.next_attempt_at - self._clock()).total_seconds()) + 1
            self._queue.send(ref, max(0, min(wait, MAX_QUEUE_DELAY)))
        elif after.state == DeliveryState.FAILED and endpoint is not None:
            self._disable(endpoint)
        return after.state

    def _attempt(self, endpoint: Endpoint | None, delivery: Delivery) -> Attempt:
        started = self._clock()
        if endpoint is None or endpoint.status != EndpointStatus.ENABLED:
            reason = "endpoint deleted" if endpoint is None else "endpoint disabled"
            return Attempt(started, None, reason, 0)
        clock = time.perf_counter()
        try:
            target = resolve_target(endpoint.url, self._rules.allow_loopback_http, self._resolver)
        except UrlRefused as refused:
            return Attempt(started, None, f"address refused: {refused.reason}", 0)
        headers = {
            "content-type": "application/json",
            "user-agent": "Latchkey-Webhooks/1",
            "webhook-id": delivery.message_id,
            "webhook-timestamp": str(int(started.timestamp())),
            "webhook-signature": sign(
                endpoint, delivery.message_id, delivery.body, started, self._box
            ),
        }
        status, error = self._transport.post(
            target, headers, delivery.body.encode(), self._rules.timeout_seconds
        )
        elapsed = int((time.perf_counter() - clock) * 1000)
        return Attempt(started, status, error, elapsed)

    def _outcome(self, delivery: Delivery, attempt: Attempt, endpoint: Endpoint | None) -> Delivery:
        attempts = (*delivery.attempts, attempt)
        if attempt.status_code is not None and 200 <= attempt.status_code < 300:
            return replace(
                delivery, state=DeliveryState.DELIVERED, attempts=attempts, next_attempt_at=None
            )
        gone = endpoint is None or endpoint.status != EndpointStatus.ENABLED
        first = attempts[0].at
        retry = (
            None if gone else self._rules.schedule.next_attempt(len(attempts), first, self._clock())
        )
        if retry is None:
            return replace(
                delivery, state=DeliveryState.FAILED, attempts=attempts, next_attempt_at=None
            )
        return replace(delivery, attempts=attempts, next_attempt_at=retry)

    def _disable(self, endpoint: Endpoint) -> None:
        """Retries ran out: stop sending to the endpoint, audit it, and tell the tenant."""
        if endpoint.status != EndpointStatus.ENABLED:
            return
        now = self._clock()
        window = self._rules.schedule.window
        reason = f"deliveries failed for {int(window / timedelta(hours=1))} hours"
        after = replace(
            endpoint,
            status=EndpointStatus.DISABLED,
            disabled_at=now,
            disabled_reason=reason,
            updated_at=now,
        )
        event = audit.event(
            endpoint.tenant_id,
            "webhook.disabled",
            ("webhook", endpoint.endpoint_id),
            SYSTEM,
            now,
            {"status": (endpoint.status, after.status), "disabled_reason": (None, reason)},
        )
        if self._endpoints.replace(endpoint, after, event):
            self._notifier.endpoint_disabled(after, now)
