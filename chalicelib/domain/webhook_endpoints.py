"""Managing a tenant's webhook endpoints: register, edit, rotate the secret, delete.

Every URL is checked against the SSRF rules (webhook_urls.py) when it is registered or
changed, and again by every delivery. A signing secret is returned once, by create and by
rotate, and stored only sealed. Each change is audited (``webhook.*`` actions, never the
secret) in the same transaction as the change.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from chalicelib.domain import audit
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.records import Origin
from chalicelib.domain.webhook_ports import DeliveryRepository, EndpointRepository
from chalicelib.domain.webhook_secrets import SecretBox, new_secret
from chalicelib.domain.webhook_urls import Resolver, resolve_target
from chalicelib.domain.webhooks import Delivery, Endpoint, EndpointStatus

Clock = Callable[[], datetime]
Deliveries = list[Delivery]  # a method named ``list`` shadows the builtin in the class


@dataclass(frozen=True)
class EndpointRules:
    """The deployment's limits on endpoints (settings)."""

    limit: int
    allow_loopback_http: bool


@dataclass(frozen=True)
class EndpointEdit:
    """A PATCH: None leaves a field as it is (``description`` "" clears it)."""

    url: str | None = None
    events: tuple[str, ...] | None = None
    description: str | None = None
    enabled: bool | None = None


def _fields(endpoint: Endpoint) -> dict[str, object]:
    return {
        "url": endpoint.url,
        "events": list(endpoint.events),
        "description": endpoint.description,
        "status": endpoint.status,
    }


class WebhookService:
    def __init__(
        self,
        endpoints: EndpointRepository,
        deliveries: DeliveryRepository,
        box: SecretBox,
        rules: EndpointRules,
        resolver: Resolver,
        clock: Clock,
    ) -> None:
        self._endpoints = endpoints
        self._deliveries = deliveries
        self._box = box
        self._rules = rules
        self._resolver = resolver
        self._clock = clock

    def _check(self, url: str) -> None:
        resolve_target(url, self._rules.allow_loopback_http, self._resolver)

    def create(
        self,
        tenant_id: str,
        url: str,
        events: tuple[str, ...],
        description: str | None,
        origin: Origin,
    ) -> tuple[Endpoint, str]:
        """The new endpoint and its signing secret (the only time the secret is returned)."""
        self._check(url)
        now = self._clock()
        endpoint_id = f"wh_{uuid.uuid4().hex}"
        secret = new_secret()
        endpoint = Endpoint(
            tenant_id,
            endpoint_id,
            url,
            events,
            description,
            EndpointStatus.ENABLED,
            now,
            now,
            self._box.seal(secret, f"{tenant_id}#{endpoint_id}"),
        )
        event = audit.event(
            tenant_id,
            "webhook.created",
            ("webhook", endpoint_id),
            origin,
            now,
            audit.created(_fields(endpoint)),
        )
        self._endpoints.create(endpoint, self._rules.limit, event)
        return endpoint, secret

    def list(self, tenant_id: str) -> list[Endpoint]:
        return self._endpoints.list(tenant_id)

    def get(self, tenant_id: str, endpoint_id: str) -> Endpoint:
        endpoint = self._endpoints.find(tenant_id, endpoint_id)
        if endpoint is None:
            raise NotFound("no webhook endpoint with this id")
        return endpoint

    def update(
        self, tenant_id: str, endpoint_id: str, edit: EndpointEdit, origin: Origin
    ) -> Endpoint:
        before = self.get(tenant_id, endpoint_id)
        if edit.url is not None:
            self._check(edit.url)
        now = self._clock()
        after = replace(
            before,
            url=before.url if edit.url is None else edit.url,
            events=before.events if edit.events is None else edit.events,
            description=before.description
            if edit.description is None
            else (edit.description or None),
            updated_at=now,
        )
        if edit.enabled is True:
            after = replace(
                after, status=EndpointStatus.ENABLED, disabled_at=None, disabled_reason=None
            )
        elif edit.enabled is False and before.status == EndpointStatus.ENABLED:
            after = replace(after, status=EndpointStatus.DISABLED, disabled_at=now)
            after = replace(after, disabled_reason="disabled by the tenant")
        changes = audit.diff(_fields(before), _fields(after))
        event = (
            audit.event(
                tenant_id, "webhook.updated", ("webhook", endpoint_id), origin, now, changes
            )
            if changes
            else None
        )
        if not self._endpoints.replace(before, after, event):
            raise Conflict("the webhook endpoint changed meanwhile; read it and retry")
        return after

    def rotate_secret(
        self, tenant_id: str, endpoint_id: str, grace: timedelta, origin: Origin
    ) -> tuple[Endpoint, str]:
        """A new secret; the old one keeps signing beside it for ``grace`` (0: not at all)."""
        before = self.get(tenant_id, endpoint_id)
        now = self._clock()
        secret = new_secret()
        keep = grace > timedelta(0)
        after = replace(
            before,
            sealed_secret=self._box.seal(secret, before.context),
            sealed_previous=before.sealed_secret if keep else None,
            previous_valid_until=now + grace if keep else None,
            updated_at=now,
        )
        event = audit.event(
            tenant_id,
            "webhook.secret_rotated",
            ("webhook", endpoint_id),
            origin,
            now,
            {
                "previous_secret_valid_until": (
                    before.previous_valid_until,
                    after.previous_valid_until,
                )
            },
        )
        if not self._endpoints.replace(before, after, event):
            raise Conflict("the webhook endpoint changed meanwhile; read it and retry")
        return after, secret

    def delete(self, tenant_id: str, endpoint_id: str, origin: Origin) -> None:
        endpoint = self.get(tenant_id, endpoint_id)
        event = audit.event(
            tenant_id,
            "webhook.deleted",
            ("webhook", endpoint_id),
            origin,
            self._clock(),
            {name: (value, None) for name, value in _fields(endpoint).items()},
        )
        self._endpoints.delete(endpoint, event)

    def deliveries(
        self, tenant_id: str, endpoint_id: str, limit: int, after: str | None
    ) -> tuple[Deliveries, str | None]:
        self.get(tenant_id, endpoint_id)
        return self._deliveries.page(tenant_id, endpoint_id, limit, after)
