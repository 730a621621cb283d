"""Query and response models of ``GET /v1/audit-events``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from chalicelib.api.schemas.common import ActorOut, Model, Strict, Timestamp
from chalicelib.domain import audit

Action = Annotated[str, WithJsonSchema({"type": "string", "enum": list(audit.ACTIONS)})]


class AuditListQuery(Strict):
    """Query string of ``GET /v1/audit-events``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    key_id: str | None = Field(default=None, max_length=64)
    action: Action | None = None
    from_: Timestamp | None = Field(default=None, alias="from")
    to: Timestamp | None = None
    limit: int = Field(default=50, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=1024)

    @model_validator(mode="after")
    def _check_range(self) -> AuditListQuery:
        if self.from_ and self.to and self.from_ > self.to:
            raise ValueError("from must not be after to")
        return self

    @field_validator("action")
    @classmethod
    def _known_action(cls, value: str | None) -> str | None:
        if value is not None and value not in audit.ACTIONS:
            raise ValueError("must be one of " + ", ".join(audit.ACTIONS))
        return value


class AuditTarget(Model):
    type: str
    id: str


class AuditEventOut(Model):
    """One lifecycle change: who, what, when, from where, and the fields before and after."""

    id: str
    time: datetime
    action: str
    tenant_id: str | None = Field(
        description="The tenant; in the platform trail null for the platform's own events."
    )
    actor: ActorOut
    target: AuditTarget
    source_ip: str | None
    user_agent: str | None
    request_id: str | None
    changes: dict[str, dict[str, Any]]


class AuditPage(Model):
    events: list[AuditEventOut]
    next_cursor: str | None
