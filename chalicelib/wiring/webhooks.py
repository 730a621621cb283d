"""Webhooks' composition root: the management service, the relay and the deliverer, and
the three ways they run.

- In AWS: ``relay_stream`` (the outbox table's stream -> deliveries, queued on SQS) and
  ``deliver_batch`` (SQS -> one attempt each), the two Lambda entry points in app.py.
- Under make dev: :class:`LocalWorker`, a thread of the ``chalice local`` process that
  polls the outbox every half second and delivers from an in-process queue.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.clock import utc_now
from chalicelib.config.settings import Settings
from chalicelib.domain.peppers import PepperSource
from chalicelib.domain.webhook_delivery import Deliverer, DeliveryRules, Relay
from chalicelib.domain.webhook_endpoints import EndpointRules, WebhookService
from chalicelib.domain.webhook_ports import DeliveryQueue, Transport, WebhookNotifier
from chalicelib.domain.webhook_retry import RetrySchedule
from chalicelib.domain.webhook_secrets import SecretBox
from chalicelib.domain.webhook_urls import Resolver, system_resolver
from chalicelib.domain.webhooks import DeliveryRef
from chalicelib.notify.webhook_queue import LocalQueue
from chalicelib.storage.audit import AuditWriter
from chalicelib.storage.webhook_deliveries import DeliveryStore
from chalicelib.storage.webhooks import EndpointStore
from chalicelib.wiring.singleton import ProcessSingleton

logger = logging.getLogger(__name__)
Clock = Callable[[], datetime]


def webhook_service(
    settings: Settings,
    connection: Any,
    audit: AuditWriter,
    peppers: PepperSource,
    clock: Clock,
    resolver: Resolver | None = None,
) -> WebhookService:
    rules = EndpointRules(settings.webhooks.endpoint_limit, settings.webhooks.allow_loopback_http)
    return WebhookService(
        EndpointStore(connection, audit),
        DeliveryStore(),
        SecretBox(peppers),
        rules,
        resolver or system_resolver,
        clock,
    )


@dataclass(frozen=True)
class Delivery:
    """The relay and the deliverer over one queue."""

    relay: Relay
    deliverer: Deliverer


def build_delivery(
    settings: Settings,
    connection: Any,
    audit: AuditWriter,
    peppers: PepperSource,
    queue: DeliveryQueue,
    transport: Transport,
    notifier: WebhookNotifier,
    clock: Clock = utc_now,
    resolver: Resolver | None = None,
) -> Delivery:
    endpoints = EndpointStore(connection, audit)
    deliveries = DeliveryStore()
    schedule = RetrySchedule(window=timedelta(hours=settings.webhooks.retry_hours))
    rules = DeliveryRules(
        settings.webhooks.allow_loopback_http, settings.webhooks.timeout_seconds, schedule
    )
    deliverer = Deliverer(
        endpoints,
        deliveries,
        queue,
        transport,
        notifier,
        SecretBox(peppers),
        rules,
        resolver or system_resolver,
        clock,
    )
    return Delivery(Relay(endpoints, deliveries, queue), deliverer)


def relay_records(relay: Relay, event: dict[str, Any]) -> int:
    """A DynamoDB stream batch of the outbox table: relay each new item."""
    from chalicelib.storage.webhook_outbox import message_from_image

    relayed = 0
    for record in event.get("Records", []):
        if record.get("eventName") != "INSERT":
            continue
        relay.relay(message_from_image(record["dynamodb"]["NewImage"]))
        relayed += 1
    return relayed


def deliver_records(deliverer: Deliverer, event: dict[str, Any]) -> dict[str, Any]:
    """An SQS batch: one attempt per message; failed ones go back (ReportBatchItemFailures)."""
    failures = []
    for record in event.get("Records", []):
        try:
            deliverer.process(DeliveryRef.from_json(record["body"]))
        except Exception:
            logger.exception("webhook delivery failed; the queue retries it")
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


class LocalWorker:
    """make dev's deliveries: the outbox polled, the queue in memory, on one daemon thread."""

    def __init__(self, delivery: Delivery, queue: LocalQueue, interval: float = 0.5) -> None:
        self._delivery = delivery
        self._queue = queue
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="webhook-worker", daemon=True)

    def start(self) -> None:
        from chalicelib.storage.webhook_deliveries import pending_refs

        for ref in pending_refs():  # left over from an earlier run
            self._queue.send(ref, 0)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def run_once(self) -> int:
        """Relay the outbox, then make every due attempt; returns the attempts made."""
        from chalicelib.storage import webhook_outbox

        for message in list(webhook_outbox.pending()):
            self._delivery.relay.relay(message)
            webhook_outbox.relayed(message)
        made = 0
        for ref in self._queue.due():
            try:
                self._delivery.deliverer.process(ref)
            except Exception:
                # As SQS would: the ref comes back later, nothing is lost.
                logger.exception("webhook worker: a delivery failed; trying again shortly")
                self._queue.send(ref, 5)
            made += 1
        return made

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.run_once()
            except Exception:
                logger.exception("webhook worker: a round failed; trying again")


def aws_delivery(settings: Settings) -> Delivery:
    """The Lambdas' wiring: SQS, the pinned HTTP transport, EventBridge; the pepper from SSM."""
    from chalicelib.notify.webhook_http import HttpTransport
    from chalicelib.notify.webhook_notices import (
        EventBridgeWebhookNotifier,
        RecordingWebhookNotifier,
    )
    from chalicelib.notify.webhook_queue import SqsQueue
    from chalicelib.storage.models import bind_models, connection_for
    from chalicelib.storage.ssm_peppers import peppers_for

    bind_models(settings)

    def client(name: str) -> Callable[[], Any]:
        def make() -> Any:
            import boto3

            return boto3.client(name, region_name=settings.region)

        return make

    notifier: WebhookNotifier = (
        RecordingWebhookNotifier()
        if settings.dynamodb.endpoint is not None
        else EventBridgeWebhookNotifier(settings.event_bus, client("events"))
    )
    return build_delivery(
        settings,
        connection_for(settings),
        AuditWriter(timedelta(days=settings.dynamodb.audit_retention_days)),
        peppers_for(settings),
        SqsQueue(settings.webhooks.queue_url, client("sqs")),
        HttpTransport(),
        notifier,
    )


def aws_relay(settings: Settings) -> Relay:
    """The relay Lambda's wiring: reads endpoints, adds deliveries, queues them (no pepper)."""
    from chalicelib.notify.webhook_queue import SqsQueue
    from chalicelib.storage.models import bind_models, connection_for

    bind_models(settings)

    def sqs() -> Any:
        import boto3

        return boto3.client("sqs", region_name=settings.region)

    audit = AuditWriter(timedelta(days=settings.dynamodb.audit_retention_days))
    endpoints = EndpointStore(connection_for(settings), audit)
    return Relay(endpoints, DeliveryStore(), SqsQueue(settings.webhooks.queue_url, sqs))


def _settings() -> Settings:
    from chalicelib.config.settings import get_settings

    return get_settings()


_relay: ProcessSingleton[Relay] = ProcessSingleton(lambda: aws_relay(_settings()))
_deliverer: ProcessSingleton[Deliverer] = ProcessSingleton(
    lambda: aws_delivery(_settings()).deliverer
)


def set_delivery(delivery: Delivery | None) -> None:
    """Replace (or with None, forget) the Lambdas' relay and deliverer; tests inject theirs."""
    _relay.set(None if delivery is None else delivery.relay)
    _deliverer.set(None if delivery is None else delivery.deliverer)


def relay_stream(event: dict[str, Any]) -> dict[str, Any]:
    """Entry point of the relay Lambda (the outbox table's stream)."""
    return {"relayed": relay_records(_relay.get(), event)}


def deliver_batch(event: dict[str, Any]) -> dict[str, Any]:
    """Entry point of the delivery Lambda (the delivery queue)."""
    return deliver_records(_deliverer.get(), event)


def local_worker(settings: Settings) -> LocalWorker:
    """make dev's worker on the local store: the pepper from settings, nothing sent to AWS."""
    from chalicelib.notify.webhook_http import HttpTransport
    from chalicelib.notify.webhook_notices import RecordingWebhookNotifier
    from chalicelib.storage.models import bind_models, connection_for
    from chalicelib.storage.ssm_peppers import peppers_for

    bind_models(settings)
    queue = LocalQueue()
    delivery = build_delivery(
        settings,
        connection_for(settings),
        AuditWriter(timedelta(days=settings.dynamodb.audit_retention_days)),
        peppers_for(settings),
        queue,
        HttpTransport(),
        RecordingWebhookNotifier(),
    )
    return LocalWorker(delivery, queue)
