"""Signing, sealing, relaying and delivering webhooks, on in-memory ports (no AWS)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from chalicelib.clock import utc_now
from chalicelib.domain import audit
from chalicelib.domain.peppers import StaticPeppers
from chalicelib.domain.records import Actor, AuditEvent, Origin
from chalicelib.domain.webhook_delivery import Deliverer, DeliveryRules, Relay
from chalicelib.domain.webhook_endpoints import EndpointRules, WebhookService
from chalicelib.domain.webhook_secrets import SecretBox, new_secret
from chalicelib.domain.webhooks import DeliveryState, EndpointStatus, message_of
from chalicelib.notify.webhook_notices import RecordingWebhookNotifier
from tests.support.webhooks import (
    PUBLIC,
    ListQueue,
    MemoryDeliveries,
    MemoryEndpoints,
    ScriptedTransport,
    resolving,
)

ORIGIN = Origin(Actor("key", "admin", "Admin key"), "203.0.113.9", "curl", "req-1")
PEPPERS = StaticPeppers({1: b"unit-test-pepper"})


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class World:
    def __init__(self, clock: Clock | None = None, outcomes: list | None = None) -> None:  # type: ignore[type-arg]
        self.clock = clock or Clock(utc_now())
        self.endpoints = MemoryEndpoints()
        self.deliveries = MemoryDeliveries()
        self.queue = ListQueue()
        self.transport = ScriptedTransport(outcomes or [(204, None)])
        self.notifier = RecordingWebhookNotifier()
        self.box = SecretBox(PEPPERS)
        self.resolver = PUBLIC
        self.service = WebhookService(
            self.endpoints, self.deliveries, self.box, EndpointRules(3, False), PUBLIC, self.clock
        )
        self.relay = Relay(self.endpoints, self.deliveries, self.queue)
        self.deliverer = Deliverer(
            self.endpoints,
            self.deliveries,
            self.queue,
            self.transport,
            self.notifier,
            self.box,
            DeliveryRules(False, 5.0),
            lambda host, port: self.resolver(host, port),
            self.clock,
        )

    def key_created(self, tenant: str = "acme") -> None:
        event = audit.event(
            tenant,
            "key.created",
            ("key", "Key1"),
            ORIGIN,
            self.clock(),
            audit.created({"name": "ERP", "expires_at": self.clock() + timedelta(days=9)}),
        )
        message = message_of(event)
        assert message is not None
        self.relay.relay(message)


def test_a_signing_secret_is_whsec_and_the_base64_of_32_random_bytes() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert new_secret() != secret


def test_a_sealed_secret_opens_only_for_the_endpoint_it_was_sealed_for() -> None:
    box, secret = SecretBox(PEPPERS), new_secret()
    sealed = box.seal(secret, "acme#wh_1")
    assert secret not in sealed
    assert secret.removeprefix("whsec_") not in sealed
    assert box.open(sealed, "acme#wh_1") == secret
    with pytest.raises(ValueError, match="does not open"):
        box.open(sealed, "other#wh_1")


def test_a_new_pepper_version_still_opens_secrets_sealed_under_the_old_one() -> None:
    secret = new_secret()
    sealed = SecretBox(StaticPeppers({1: b"one"})).seal(secret, "t#wh")
    assert SecretBox(StaticPeppers({1: b"one", 2: b"two"})).open(sealed, "t#wh") == secret
    with pytest.raises(ValueError, match="does not open"):
        SecretBox(StaticPeppers({1: b"another"})).open(sealed, "t#wh")


def test_a_delivery_verifies_with_the_standardwebhooks_library() -> None:
    world = World()
    _endpoint, secret = world.service.create(
        "acme", "https://hooks.example.com/in", ("key.*",), None, ORIGIN
    )
    world.key_created()
    ((ref, delay),) = world.queue.sent
    assert delay == 0
    assert world.deliverer.process(ref) == DeliveryState.DELIVERED
    ((target, headers, body),) = world.transport.requests
    assert target.address == "93.184.215.14"
    payload = Webhook(secret).verify(body, headers)
    assert payload["type"] == "key.created"
    assert payload["data"]["target"] == {"type": "key", "id": "Key1"}
    assert payload["data"]["actor"]["name"] == "Admin key"
    assert headers["webhook-id"].startswith("msg_")
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)


def test_after_a_rotation_both_secrets_sign_until_the_grace_period_ends() -> None:
    world = World()
    endpoint, old = world.service.create(
        "acme", "https://h.example/", ("key.created",), None, ORIGIN
    )
    _, new = world.service.rotate_secret("acme", endpoint.endpoint_id, timedelta(hours=1), ORIGIN)
    world.key_created()
    world.deliverer.process(world.queue.sent[-1][0])
    _, headers, body = world.transport.requests[-1]
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(body, headers)
    Webhook(new).verify(body, headers)

    world.clock.now += timedelta(hours=1, seconds=1)
    world.key_created()
    world.deliverer.process(world.queue.sent[-1][0])
    _, headers, body = world.transport.requests[-1]
    assert len(headers["webhook-signature"].split(" ")) == 1
    assert headers["webhook-signature"] == Webhook(new).sign(
        headers["webhook-id"], world.clock.now, body.decode()
    )


def test_a_failed_attempt_is_recorded_and_queued_again_after_its_backoff() -> None:
    world = World(outcomes=[(500, None)])
    world.service.create("acme", "https://h.example/", ("key.created",), None, ORIGIN)
    world.key_created()
    ref = world.queue.sent[0][0]
    assert world.deliverer.process(ref) == DeliveryState.PENDING
    delivery = world.deliveries.get(ref)
    assert delivery is not None
    assert len(delivery.attempts) == 1
    assert delivery.attempts[0].status_code == 500
    assert delivery.next_attempt_at is not None
    pause = (delivery.next_attempt_at - world.clock.now).total_seconds()
    assert 8 <= pause <= 12
    assert world.queue.sent[-1] == (ref, int(pause) + 1)
    # Not due yet: queued again, no attempt made.
    assert world.deliverer.process(ref) == "waiting"
    assert len(world.transport.requests) == 1


def test_after_24_hours_of_failures_the_endpoint_is_disabled_and_the_tenant_told() -> None:
    world = World(clock=Clock(datetime(2026, 12, 1, tzinfo=UTC)), outcomes=[(None, "timed out")])
    endpoint, secret = world.service.create(
        "acme", "https://h.example/", ("key.*",), "ERP hook", ORIGIN
    )
    world.key_created()
    ref, states = world.queue.sent[0][0], []
    for _ in range(30):
        delivery = world.deliveries.get(ref)
        assert delivery is not None
        if delivery.next_attempt_at is not None:
            world.clock.now = max(world.clock.now, delivery.next_attempt_at)
        states.append(world.deliverer.process(ref))
        if states[-1] == DeliveryState.FAILED:
            break
    assert states[-1] == DeliveryState.FAILED
    delivery = world.deliveries.get(ref)
    assert delivery is not None
    assert delivery.attempts[-1].at - delivery.attempts[0].at == timedelta(hours=24)
    stored = world.endpoints.find("acme", endpoint.endpoint_id)
    assert stored is not None
    assert stored.status == EndpointStatus.DISABLED
    assert world.endpoints.events[-1].action == "webhook.disabled"
    (told,) = world.notifier.disabled
    assert told["webhook_id"] == endpoint.endpoint_id
    assert "24 hours" in told["text"]
    assert secret not in repr(told)
    assert secret not in repr(world.endpoints.events)
    # Later events are not delivered to a disabled endpoint.
    sent = len(world.transport.requests)
    world.key_created()
    assert len(world.transport.requests) == sent


def test_an_endpoint_whose_host_now_resolves_inside_is_never_contacted() -> None:
    world = World()
    world.service.create("acme", "https://h.example/", ("key.created",), None, ORIGIN)
    world.resolver = resolving("169.254.169.254")  # DNS rebinding after registration
    world.key_created()
    assert world.deliverer.process(world.queue.sent[0][0]) == DeliveryState.PENDING
    assert world.transport.requests == []
    delivery = world.deliveries.get(world.queue.sent[0][0])
    assert delivery is not None
    assert "address refused" in (delivery.attempts[0].error or "")


def test_the_relay_queues_one_delivery_per_subscribed_enabled_endpoint_once() -> None:
    world = World()
    by_family, _ = world.service.create("acme", "https://a.example/", ("key.*",), None, ORIGIN)
    exact, _ = world.service.create("acme", "https://b.example/", ("key.created",), None, ORIGIN)
    world.service.create("acme", "https://c.example/", ("group.*",), None, ORIGIN)
    world.service.create("other", "https://d.example/", ("key.*",), None, ORIGIN)
    event = audit.event("acme", "key.created", ("key", "K"), ORIGIN, world.clock(), {})
    message = message_of(event)
    assert message is not None
    assert world.relay.relay(message) == 2
    assert world.relay.relay(message) == 2  # a retried stream batch: queued again...
    assert len(world.deliveries.items) == 2  # ...but no second delivery
    assert {d.endpoint_id for d in world.deliveries.items.values()} == {
        by_family.endpoint_id,
        exact.endpoint_id,
    }


def test_expiry_warnings_go_out_as_key_expiring_and_key_expired() -> None:
    now = utc_now()
    for action, kind in (
        ("key.flagged_expiring", "key.expiring"),
        ("key.flagged_expired", "key.expired"),
    ):
        message = message_of(audit.event("t", action, ("key", "K"), ORIGIN, now, {}))
        assert message is not None
        assert message.event_type == kind
    assert message_of(audit.event("t", "tenant.created", ("tenant", "t"), ORIGIN, now, {})) is None
    assert (
        message_of(audit.event("t", "webhook.created", ("webhook", "w"), ORIGIN, now, {})) is None
    )


def test_the_endpoint_limit_is_enforced() -> None:
    world = World()
    for n in range(3):
        world.service.create("acme", f"https://{n}.example/", ("key.*",), None, ORIGIN)
    from chalicelib.domain.errors import WebhookLimitReached

    with pytest.raises(WebhookLimitReached):
        world.service.create("acme", "https://4.example/", ("key.*",), None, ORIGIN)


@pytest.mark.parametrize("action", ["tenant.suspended", "tenant.resumed"])
def test_a_tenant_lifecycle_audit_event_becomes_its_webhook(action: str) -> None:
    # The tenant lifecycle writes its audit event through AuditWriter.add (or calls
    # chalicelib/storage/webhook_outbox.py emit): either way this is the message it becomes.
    event = AuditEvent(
        "e1", "acme", action, "tenant", "acme", ORIGIN, utc_now(), {"status": ("a", "b")}
    )
    message = message_of(event)
    assert message is not None
    assert message.event_type == action
    assert message.message_id == "msg_e1"
