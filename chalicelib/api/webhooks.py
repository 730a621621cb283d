"""Routes of ``/v1/webhooks``: a tenant's endpoints, their signing secrets and deliveries."""

from __future__ import annotations

from datetime import timedelta

from chalicelib.api.endpoint import Call, Routes, listing_cursors
from chalicelib.api.operations import Route
from chalicelib.api.schemas.webhooks import (
    AttemptOut,
    DeliveryList,
    DeliveryListQuery,
    DeliveryOut,
    WebhookCreate,
    WebhookList,
    WebhookOut,
    WebhookRotate,
    WebhookUpdate,
    WebhookWithSecret,
)
from chalicelib.domain.webhook_endpoints import EndpointEdit
from chalicelib.domain.webhooks import Delivery, Endpoint

routes = Routes(__name__)


def webhook_out(endpoint: Endpoint) -> WebhookOut:
    return WebhookOut(
        id=endpoint.endpoint_id,
        url=endpoint.url,
        events=list(endpoint.events),
        description=endpoint.description,
        status=endpoint.status,
        created_at=endpoint.created_at,
        updated_at=endpoint.updated_at,
        previous_secret_valid_until=endpoint.previous_valid_until,
        disabled_at=endpoint.disabled_at,
        disabled_reason=endpoint.disabled_reason,
    )


def delivery_out(delivery: Delivery) -> DeliveryOut:
    return DeliveryOut(
        id=delivery.message_id,
        event_type=delivery.event_type,
        created_at=delivery.created_at,
        state=delivery.state,
        attempts=[
            AttemptOut(at=a.at, status_code=a.status_code, error=a.error, duration_ms=a.duration_ms)
            for a in delivery.attempts
        ],
        next_attempt_at=delivery.next_attempt_at,
    )


@routes.route(
    Route(
        "/v1/webhooks",
        "POST",
        summary="Register a webhook endpoint; the answer holds its signing secret, shown once",
        body=WebhookCreate,
        response=WebhookWithSecret,
        status=201,
        errors=(400, 409, 422),
        tag="webhooks",
    )
)
def create_webhook(call: Call[WebhookCreate]) -> WebhookWithSecret:
    body = call.body
    endpoint, secret = call.services.webhooks.create(
        call.principal.tenant_id,
        body.url,
        tuple(body.events),
        body.description or None,
        call.origin,
    )
    return WebhookWithSecret(webhook=webhook_out(endpoint), secret=secret)


@routes.route(
    Route(
        "/v1/webhooks",
        "GET",
        summary="List the tenant's webhook endpoints (never their secrets)",
        response=WebhookList,
        tag="webhooks",
    )
)
def list_webhooks(call: Call) -> WebhookList:
    endpoints = call.services.webhooks.list(call.principal.tenant_id)
    return WebhookList(webhooks=[webhook_out(endpoint) for endpoint in endpoints])


@routes.route(
    Route(
        "/v1/webhooks/{webhook_id}",
        "GET",
        summary="Read one webhook endpoint",
        response=WebhookOut,
        errors=(404,),
        tag="webhooks",
    )
)
def get_webhook(call: Call) -> WebhookOut:
    tenant_id = call.principal.tenant_id
    return webhook_out(call.services.webhooks.get(tenant_id, call.params["webhook_id"]))


@routes.route(
    Route(
        "/v1/webhooks/{webhook_id}",
        "PATCH",
        summary="Edit a webhook endpoint: URL, events, description, enabled",
        body=WebhookUpdate,
        response=WebhookOut,
        errors=(400, 404, 409, 422),
        tag="webhooks",
    )
)
def update_webhook(call: Call[WebhookUpdate]) -> WebhookOut:
    body = call.body
    edit = EndpointEdit(
        url=body.url,
        events=None if body.events is None else tuple(body.events),
        description=body.description,
        enabled=body.enabled,
    )
    endpoint = call.services.webhooks.update(
        call.principal.tenant_id, call.params["webhook_id"], edit, call.origin
    )
    return webhook_out(endpoint)


@routes.route(
    Route(
        "/v1/webhooks/{webhook_id}",
        "DELETE",
        summary="Delete a webhook endpoint",
        response=None,
        status=204,
        errors=(404,),
        tag="webhooks",
    )
)
def delete_webhook(call: Call) -> None:
    call.services.webhooks.delete(call.principal.tenant_id, call.params["webhook_id"], call.origin)


@routes.route(
    Route(
        "/v1/webhooks/{webhook_id}/rotate-secret",
        "POST",
        summary="New signing secret; the old one signs beside it for the grace period",
        body=WebhookRotate,
        body_optional=True,
        response=WebhookWithSecret,
        errors=(400, 404, 409, 422),
        tag="webhooks",
    )
)
def rotate_webhook_secret(call: Call[WebhookRotate]) -> WebhookWithSecret:
    body = call.body
    grace = timedelta(seconds=body.grace_period_seconds)
    endpoint, secret = call.services.webhooks.rotate_secret(
        call.principal.tenant_id, call.params["webhook_id"], grace, call.origin
    )
    return WebhookWithSecret(webhook=webhook_out(endpoint), secret=secret)


@routes.route(
    Route(
        "/v1/webhooks/{webhook_id}/deliveries",
        "GET",
        summary="The endpoint's deliveries, newest first: attempts, status codes, next retry",
        query=DeliveryListQuery,
        response=DeliveryList,
        errors=(404, 422),
        tag="webhooks",
    )
)
def list_deliveries(call: Call[None, DeliveryListQuery]) -> DeliveryList:
    query = call.query
    tenant_id, webhook_id = call.principal.tenant_id, call.params["webhook_id"]
    cursors = listing_cursors(call)
    scope = (tenant_id, "webhook-deliveries", webhook_id)
    after = cursors.decode(query.cursor, scope)
    found, last = call.services.webhooks.deliveries(
        tenant_id, webhook_id, query.limit, None if after is None else after[0]
    )
    return DeliveryList(
        deliveries=[delivery_out(delivery) for delivery in found],
        next_cursor=cursors.encode(None if last is None else (last, last), scope),
    )
