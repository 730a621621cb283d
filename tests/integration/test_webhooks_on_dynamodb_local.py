"""Webhooks on DynamoDB Local: a real receiver on 127.0.0.1 verifying with the
``standardwebhooks`` library, make dev's worker, and the races of the two-write claim and
the endpoint limit."""

from __future__ import annotations

import dataclasses
import time
import uuid
from datetime import timedelta
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from chalicelib.clock import utc_now
from chalicelib.config.settings import Settings
from chalicelib.domain.errors import WebhookLimitReached
from chalicelib.domain.groups import GroupDraft
from chalicelib.domain.records import Actor, Origin
from chalicelib.domain.webhook_urls import system_resolver
from chalicelib.domain.webhooks import Delivery, DeliveryState
from chalicelib.notify.webhook_http import HttpTransport
from chalicelib.notify.webhook_notices import RecordingWebhookNotifier
from chalicelib.notify.webhook_queue import LocalQueue
from chalicelib.storage.webhook_deliveries import DeliveryStore
from chalicelib.wiring.services import Services, build_services
from chalicelib.wiring.webhooks import Delivery as Wiring
from chalicelib.wiring.webhooks import LocalWorker, build_delivery
from tests.conftest import Counters
from tests.integration.test_races import at_once
from tests.support.webhooks import VerifyingReceiver

ORIGIN = Origin(Actor("key", "admin", "Admin key"))


@pytest.fixture
def settings(local_settings: Settings) -> Settings:
    # As make dev runs: loopback http targets allowed (the local stage's switch).
    return dataclasses.replace(
        local_settings,
        webhooks=dataclasses.replace(local_settings.webhooks, allow_loopback_http=True),
    )


@pytest.fixture
def services(settings: Settings) -> Services:
    return build_services(settings)  # the real clock and the system resolver


def wiring(services: Services, queue: LocalQueue | None = None) -> Wiring:
    w = services.wiring
    return build_delivery(
        services.settings,
        w.connection,
        w.audit,
        w.peppers,
        LocalQueue() if queue is None else queue,
        HttpTransport(),
        RecordingWebhookNotifier(),
        utc_now,
        system_resolver,
    )


def arrived(receiver: VerifyingReceiver, target_id: str) -> list[dict[str, Any]]:
    """The verified payloads about ``target_id``."""
    return [p for p in receiver.verified() if p["data"]["target"]["id"] == target_id]


def tenant(services: Services) -> tuple[str, str]:
    tenant_id = f"t-{uuid.uuid4().hex[:10]}"
    made = services.tenants.bootstrap(tenant_id)
    return tenant_id, made.group_id


def test_make_devs_worker_delivers_a_key_change_that_the_library_verifies(
    services: Services,
) -> None:
    with VerifyingReceiver() as receiver:
        tenant_id, _group_id = tenant(services)
        _endpoint, secret = services.webhooks.create(
            tenant_id, receiver.url, ("key.*", "group.*"), "dev receiver", ORIGIN
        )
        receiver.secret = secret
        queue = LocalQueue()
        worker = LocalWorker(wiring(services, queue), queue, interval=0.1)
        worker.start()
        try:
            started = time.monotonic()
            group = services.groups.create(tenant_id, GroupDraft("Readers", "", ()))
            # A bound for a stuck worker, not a speed test: how fast it delivers is a figure
            # for a benchmark, and a loaded CI machine must not fail this on time alone.
            while time.monotonic() - started < 60 and not arrived(receiver, group.group_id):
                time.sleep(0.05)
        finally:
            worker.stop()
    (payload,) = arrived(receiver, group.group_id)
    assert payload["type"] == "group.created"
    assert payload["data"]["tenant_id"] == tenant_id
    assert payload["data"]["changes"]["name"]["after"] == "Readers"
    # Every request verified (the bootstrap's events go out too: they were in the outbox).
    assert all(r.error is None for r in receiver.received), receiver.received
    assert all(r.headers["webhook-id"].startswith("msg_") for r in receiver.received)
    assert all(secret not in r.body.decode() for r in receiver.received)


def test_both_secrets_sign_during_a_rotations_grace_period(services: Services) -> None:
    with VerifyingReceiver() as receiver:
        tenant_id, _group_id = tenant(services)
        endpoint, old = services.webhooks.create(
            tenant_id, receiver.url, ("group.*",), None, ORIGIN
        )
        _, new = services.webhooks.rotate_secret(
            tenant_id, endpoint.endpoint_id, timedelta(minutes=5), ORIGIN
        )
        receiver.secret = old  # a receiver that has not switched yet
        queue = LocalQueue()
        worker = LocalWorker(wiring(services, queue), queue, interval=0.1)
        group = services.groups.create(tenant_id, GroupDraft("Writers", "", ()))
        for _ in range(50):
            worker.run_once()
            if arrived(receiver, group.group_id):
                break
            time.sleep(0.1)
    (got,) = [r for r in receiver.received if group.group_id in r.body.decode()]
    assert got.error is None
    assert Webhook(new).verify(got.body, got.headers)["type"] == "group.created"


def due_delivery(tenant_id: str, endpoint_id: str) -> Delivery:
    now = utc_now()
    delivery = Delivery(
        tenant_id,
        endpoint_id,
        f"msg_{uuid.uuid4().hex}",
        "key.created",
        now,
        '{"type":"key.created","timestamp":"x","data":{}}',
        next_attempt_at=now,
    )
    assert DeliveryStore().add(delivery, 1)
    return delivery


@pytest.mark.parametrize("status", [204, 500])
def test_eight_workers_racing_for_one_attempt_make_it_once(
    services: Services, reliability: Counters, status: int
) -> None:
    for _ in range(5):
        with VerifyingReceiver(status=status) as receiver:
            tenant_id, _ = tenant(services)
            endpoint, secret = services.webhooks.create(
                tenant_id, receiver.url, ("key.*",), None, ORIGIN
            )
            receiver.secret = secret
            delivery = due_delivery(tenant_id, endpoint.endpoint_id)
            workers = [wiring(services).deliverer for _ in range(8)]
            results = at_once(*[lambda d=d, r=delivery.ref: d.process(r) for d in workers])
            reliability.races += 1
            assert len(receiver.received) == 1, results
        stored = DeliveryStore().get(delivery.ref)
        assert stored is not None
        assert len(stored.attempts) == 1
        assert stored.attempts[0].status_code == status
        expected = DeliveryState.DELIVERED if status == 204 else DeliveryState.PENDING
        assert stored.state == expected
        assert sorted(map(str, results)).count(expected) == 1, results
        assert set(map(str, results)) <= {expected, "busy", "done", "waiting"}, results


def test_an_attempt_left_by_a_dead_worker_is_taken_over_once_and_the_late_record_refused(
    services: Services, reliability: Counters
) -> None:
    with VerifyingReceiver() as receiver:
        tenant_id, _ = tenant(services)
        endpoint, secret = services.webhooks.create(
            tenant_id, receiver.url, ("key.*",), None, ORIGIN
        )
        receiver.secret = secret
        delivery = due_delivery(tenant_id, endpoint.endpoint_id)
        store = DeliveryStore()
        # A worker claims with a lease that ends at once, then dies before recording.
        assert store.claim(delivery, "dead-worker", utc_now(), 0)
        time.sleep(0.01)
        assert wiring(services).deliverer.process(delivery.ref) == DeliveryState.DELIVERED
        reliability.races += 1
        late = dataclasses.replace(delivery, state=DeliveryState.FAILED)
        assert not store.record(delivery, late, "dead-worker")
    stored = store.get(delivery.ref)
    assert stored is not None
    assert (stored.state, len(stored.attempts)) == (DeliveryState.DELIVERED, 1)
    assert len(receiver.received) == 1


def test_ten_concurrent_registrations_against_a_limit_of_three_make_exactly_three(
    settings: Settings, reliability: Counters
) -> None:
    services = build_services(
        dataclasses.replace(
            settings, webhooks=dataclasses.replace(settings.webhooks, endpoint_limit=3)
        )
    )
    tenant_id, _ = tenant(services)

    def register() -> object:
        return services.webhooks.create(
            tenant_id, "http://127.0.0.1:9/hook", ("key.*",), None, ORIGIN
        )

    results = at_once(*[register] * 10)
    reliability.races += 1
    made = [r for r in results if isinstance(r, tuple)]
    refused = [r for r in results if isinstance(r, WebhookLimitReached)]
    assert (len(made), len(refused)) == (3, 7), results
    assert len(services.webhooks.list(tenant_id)) == 3
    # Deleting frees a slot under the same count.
    services.webhooks.delete(tenant_id, made[0][0].endpoint_id, ORIGIN)
    register()
    with pytest.raises(WebhookLimitReached):
        register()
