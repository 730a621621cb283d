"""Request and response models of ``/v1/webhooks``. No response model has a field for a
signing secret but :class:`WebhookWithSecret`, the answer of create and rotate-secret."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool, field_validator

from chalicelib.api.schemas.common import Description, Integer, Model, Strict, drop_null
from chalicelib.config.webhooks import MAX_SECRET_GRACE_SECONDS
from chalicelib.domain.webhook_urls import MAX_URL_LENGTH
from chalicelib.domain.webhooks import SUBSCRIPTIONS

EventType = Literal[SUBSCRIPTIONS]  # type: ignore[valid-type]
# Where Latchkey may send is checked after parsing (SSRF rules, README "Webhooks"); the
# document states the shape.
Url = Annotated[str, Field(min_length=10, max_length=MAX_URL_LENGTH, pattern=r"^https?://")]
Events = Annotated[
    list[EventType],
    Field(
        min_length=1,
        max_length=len(SUBSCRIPTIONS),
        description='Event types, or families such as "key.*" and "group.*".',
    ),
]


def _distinct(value: list[str] | None) -> list[str] | None:
    return None if value is None else list(dict.fromkeys(value))


class WebhookCreate(Strict):
    """``POST /v1/webhooks``."""

    # An address literal needs no DNS, so generated requests (schemathesis) can succeed.
    url: Url = Field(examples=["https://93.184.215.14/hooks/latchkey"])
    events: Events
    description: Description = ""

    _events = field_validator("events")(_distinct)


class WebhookUpdate(Strict):
    """``PATCH /v1/webhooks/{webhook_id}``: omitted fields stay; ``enabled`` re-enables a
    disabled endpoint (or pauses one)."""

    # Omitted means unchanged; null is refused, so the document does not offer it. A null
    # description clears it.
    url: Url | None = Field(default=None, json_schema_extra=drop_null)
    events: Events | None = Field(default=None, json_schema_extra=drop_null)
    description: Description | None = None
    enabled: StrictBool | None = Field(default=None, json_schema_extra=drop_null)

    _events = field_validator("events")(_distinct)

    @field_validator("url", "events", "enabled", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("cannot be null")
        return value


class WebhookRotate(Strict):
    """``POST /v1/webhooks/{webhook_id}/rotate-secret``."""

    grace_period_seconds: Integer = Field(
        default=MAX_SECRET_GRACE_SECONDS,
        ge=0,
        le=MAX_SECRET_GRACE_SECONDS,
        description="How long the old secret keeps signing beside the new one.",
    )


class WebhookOut(Model):
    id: str
    url: str
    events: list[str]
    description: str | None
    status: Literal["enabled", "disabled"]
    created_at: datetime
    updated_at: datetime
    previous_secret_valid_until: datetime | None = None
    disabled_at: datetime | None = None
    disabled_reason: str | None = None


class WebhookWithSecret(Model):
    """The endpoint and its signing secret: the only time the secret is shown."""

    webhook: WebhookOut
    secret: str = Field(description="whsec_ + base64 of 32 random bytes (Standard Webhooks).")


class WebhookList(Model):
    webhooks: list[WebhookOut]


class AttemptOut(Model):
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


class DeliveryOut(Model):
    """One message to the endpoint: its attempts, never its body."""

    id: str
    event_type: str
    created_at: datetime
    state: Literal["pending", "delivered", "failed"]
    attempts: list[AttemptOut]
    next_attempt_at: datetime | None


class DeliveryList(Model):
    deliveries: list[DeliveryOut]
    next_cursor: str | None = None


class DeliveryListQuery(Strict):
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=512)
