"""Request and response models of ``/v1/keys``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from chalicelib.api.schemas.common import (
    ActorOut,
    Description,
    Integer,
    Model,
    Name,
    Strict,
    Timestamp,
    drop_null,
)
from chalicelib.api.schemas.leaks import LeakOut
from chalicelib.domain import allowlist
from chalicelib.domain.edits import UNCHANGED, KeyEdit
from chalicelib.domain.records import ExpiryState, KeyStatus

GroupId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]


def _allowlist(value: Any) -> list[str] | None:
    """Accept a list, or one newline-separated string; return canonical entries."""
    if value is None:
        return None
    if not isinstance(value, str | list):
        raise ValueError("must be a list of addresses or one newline-separated string")
    if isinstance(value, list) and not all(isinstance(entry, str) for entry in value):
        raise ValueError("every entry must be a string")
    try:
        return list(allowlist.normalize(allowlist.split_entries(value)))
    except allowlist.AllowlistError as error:
        raise ValueError(f"entry {error.index + 1}: {error}") from None


Allowlist = Annotated[
    list[str] | None,
    BeforeValidator(_allowlist),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "array", "items": {"type": "string"}, "maxItems": allowlist.MAX_ENTRIES},
                {"type": "string"},
                {"type": "null"},
            ],
            "description": "IP addresses or CIDR ranges: a list, or one string with one per "
            "line. Empty: any address.",
        }
    ),
]


class KeyCreate(Strict):
    """``POST /v1/keys``."""

    name: Name
    description: Description = ""
    group_id: GroupId
    expires_at: Timestamp | None = Field(
        default=None, description="ISO 8601 with a zone; must be in the future. Omit: no expiry."
    )
    ip_allowlist: Allowlist = None


class KeyUpdate(Strict):
    """``PATCH /v1/keys/{key_id}``: only the fields sent change. The expiry is not editable."""

    # Omitted means unchanged; null is refused (a key always has a name and a group), so the
    # document does not offer it. A null description clears it.
    name: Name | None = Field(default=None, json_schema_extra=drop_null)
    description: Description | None = None
    group_id: GroupId | None = Field(default=None, json_schema_extra=drop_null)
    ip_allowlist: Allowlist = None

    @model_validator(mode="before")
    @classmethod
    def _no_expiry(cls, data: Any) -> Any:
        if isinstance(data, dict) and "expires_at" in data:
            raise ValueError("expires_at cannot be edited; rotate the key to set a new expiry")
        return data

    @field_validator("name", "group_id")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("cannot be null")
        return value

    def edit(self) -> KeyEdit:
        """The typed edit: sent fields only (null refused but for the description), the
        allowlist canonical."""
        sent = self.model_fields_set
        allowlist = tuple(self.ip_allowlist or ())
        return KeyEdit(
            name=self.name if self.name is not None else UNCHANGED,
            description=self.description if "description" in sent else UNCHANGED,
            group_id=self.group_id if self.group_id is not None else UNCHANGED,
            ip_allowlist=allowlist if "ip_allowlist" in sent else UNCHANGED,
        )


class KeyRotate(Strict):
    """``POST /v1/keys/{key_id}/rotate``."""

    grace_period_seconds: Integer = Field(
        default=0, ge=0, le=86400, description="How long the old secret keeps working (max 24 h)."
    )
    expires_at: Timestamp | None = Field(
        default=None, description="A new expiry, in the future. Omit to keep the current one."
    )


class KeyListQuery(Strict):
    """Query string of ``GET /v1/keys``."""

    status: KeyStatus | None = None
    expiry: ExpiryState | None = Field(
        default=None,
        description=(
            "Only keys in this expiry state. With it, the list is ordered by expiry, soonest"
            " first (keys without expiry last); without it, newest first."
        ),
    )
    limit: int = Field(default=50, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=512)
    # Leaked keys: true lists keys reported leaked, false the others.
    leaked: bool | None = None


class GroupRef(Model):
    id: str
    name: str | None = Field(description="None once the group has been deleted.")


class KeyOut(Model):
    """A key as every response shows it. Never its secret."""

    id: str
    name: str
    description: str
    group: GroupRef
    status: KeyStatus
    expiry_state: ExpiryState
    expires_at: datetime | None
    ip_allowlist: list[str]
    created_by: ActorOut
    created_at: datetime
    updated_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    revoked_by: ActorOut | None
    rotated_at: datetime | None
    previous_secret_valid_until: datetime | None = Field(
        description="While a rotation's grace period runs: when the old secret stops working."
    )
    hint: str = Field(description="The token's public first characters, to recognise it.")
    leak: LeakOut | None = Field(
        description="The latest report of this key found in public (docs/secret-scanning.md)."
    )
    tokens_latchkey_only: bool = Field(
        description=(
            "True when this key's access tokens are accepted only by Latchkey's authorizer "
            "and POST /v1/verify, never by API Gateway's JWT authorizer: the key has an IP "
            "allowlist, or its group does not allow every route (a JWT authorizer checks "
            "neither). Such tokens carry the audience `<audience>#latchkey-only`."
        )
    )


class KeyWithSecret(Model):
    """The only response that carries a secret: create and rotate."""

    key: KeyOut
    secret: str = Field(description="The full API key. Shown once; store it now.")


class KeyReplay(Model):
    """A retried create or rotate (same Idempotency-Key): the key made, and no secret."""

    key: KeyOut
    secret: None = None
    replayed: Literal[True] = True
    detail: str


class KeyUsage(Model):
    used: int
    limit: int


class KeyList(Model):
    keys: list[KeyOut]
    next_cursor: str | None
    key_usage: KeyUsage
