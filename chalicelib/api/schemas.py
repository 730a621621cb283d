"""Request and response models of the management API.

The routes parse with these models and the OpenAPI document is generated from them, so
the reference and the behaviour cannot disagree.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from chalicelib.domain import allowlist, audit, routes
from chalicelib.domain.records import ExpiryState, KeyStatus

Name = Annotated[str, Field(min_length=2, max_length=200)]
Description = Annotated[str, Field(max_length=1000)]
GroupId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]
Permission = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9:._*\-]+$")]


class Strict(BaseModel):
    """Unknown fields are errors: a typo must not be silently ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC)


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
    expires_at: AwareDatetime | None = Field(
        default=None, description="ISO 8601 with a zone; must be in the future. Omit: no expiry."
    )
    ip_allowlist: Allowlist = None

    _expiry = field_validator("expires_at")(_utc)


class KeyUpdate(Strict):
    """``PATCH /v1/keys/{key_id}``: only the fields sent change. The expiry is not editable."""

    name: Name | None = None
    description: Description | None = None
    group_id: GroupId | None = None
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

    def changes(self) -> dict[str, Any]:
        """The storage-level changes: sent fields only, the allowlist canonical."""
        sent = self.model_dump(exclude_unset=True)
        if "ip_allowlist" in sent:
            sent["ip_allowlist"] = tuple(sent["ip_allowlist"] or ())
        return sent


class KeyRotate(Strict):
    """``POST /v1/keys/{key_id}/rotate``."""

    grace_period_seconds: int = Field(
        default=0, ge=0, le=86400, description="How long the old secret keeps working (max 24 h)."
    )
    expires_at: AwareDatetime | None = Field(
        default=None, description="A new expiry, in the future. Omit to keep the current one."
    )

    _expiry = field_validator("expires_at")(_utc)


class KeyListQuery(Strict):
    """Query string of ``GET /v1/keys``."""

    status: KeyStatus | None = None
    expiry: ExpiryState | None = None
    limit: int = Field(default=50, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=512)


class GroupCreate(Strict):
    """``POST /v1/groups``."""

    name: Name
    description: Description = ""
    permissions: list[Permission] = Field(default_factory=list, max_length=50)
    routes: list[str] = Field(
        default_factory=lambda: [routes.ALL_ROUTES],
        min_length=1,
        max_length=50,
        description='Patterns "METHOD /path" where * matches anything; "* /*" allows all.',
    )

    @field_validator("routes")
    @classmethod
    def _check_routes(cls, value: list[str]) -> list[str]:
        return _normalize_routes(value)


class GroupUpdate(Strict):
    """``PATCH /v1/groups/{group_id}``."""

    name: Name | None = None
    description: Description | None = None
    permissions: list[Permission] | None = Field(default=None, max_length=50)
    routes: list[str] | None = Field(default=None, min_length=1, max_length=50)

    @field_validator("routes")
    @classmethod
    def _check_routes(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _normalize_routes(value)

    @field_validator("name", "permissions", "routes")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("cannot be null")
        return value


def _normalize_routes(value: list[str]) -> list[str]:
    normalized = []
    for index, pattern in enumerate(value):
        try:
            normalized.append(routes.normalize_pattern(pattern))
        except routes.RoutePatternError as error:
            raise ValueError(f"pattern {index + 1}: {error}") from None
    return list(dict.fromkeys(normalized))


class ActorOut(BaseModel):
    type: Literal["key", "user", "system"]
    id: str
    name: str


class GroupRef(BaseModel):
    id: str
    name: str | None = Field(description="None once the group has been deleted.")


class KeyOut(BaseModel):
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


class KeyWithSecret(BaseModel):
    """The only response that carries a secret: create and rotate."""

    key: KeyOut
    secret: str = Field(description="The full API key. Shown once; store it now.")


class KeyReplay(BaseModel):
    """A retried create or rotate (same Idempotency-Key): the key made, and no secret."""

    key: KeyOut
    secret: None = None
    replayed: Literal[True] = True
    detail: str


class KeyUsage(BaseModel):
    used: int
    limit: int


class KeyList(BaseModel):
    keys: list[KeyOut]
    next_cursor: str | None
    key_usage: KeyUsage


class GroupOut(BaseModel):
    id: str
    name: str
    description: str
    permissions: list[str]
    routes: list[str]
    key_count: int = Field(description="Active keys in this group.")
    created_at: datetime
    updated_at: datetime


class GroupList(BaseModel):
    groups: list[GroupOut]


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[dict[str, str]] | None = None


class VerifyRequest(Strict):
    """``POST /v1/verify``."""

    key: str = Field(max_length=512, description="The full API key to check.")
    route: str | None = Field(
        default=None, max_length=2048, description='The call to check, like "GET /orders/7".'
    )
    source_ip: str | None = Field(
        default=None, max_length=64, description="The address the key was presented from."
    )

    @field_validator("route")
    @classmethod
    def _check_route(cls, value: str | None) -> str | None:
        if value is None:
            return None
        method, _, path = value.partition(" ")
        if method.upper() not in routes.METHODS[:-1] or not path.startswith("/"):
            raise ValueError('must look like "GET /orders/7"')
        return f"{method.upper()} {path}"

    def parsed_route(self) -> tuple[str, str] | None:
        if self.route is None:
            return None
        method, _, path = self.route.partition(" ")
        return method, path


class VerifyResult(BaseModel):
    valid: bool
    code: Literal[
        "VALID",
        "MALFORMED",
        "NOT_FOUND",
        "REVOKED",
        "EXPIRED",
        "IP_NOT_ALLOWED",
        "ROUTE_NOT_ALLOWED",
    ]
    key_id: str | None
    tenant_id: str | None
    group_id: str | None
    permissions: list[str]
    expires_at: datetime | None


class UsageQuery(Strict):
    """``from`` and ``to`` are UTC days, inclusive; default: the last 30 days."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: date | None = Field(default=None, alias="from")
    to: date | None = None

    @model_validator(mode="after")
    def _check_range(self) -> UsageQuery:
        if self.from_ and self.to and self.from_ > self.to:
            raise ValueError("from must not be after to")
        if (self.last_day() - self.first_day()).days > 366:
            raise ValueError("the range may span at most 366 days")
        return self

    def last_day(self) -> date:
        return self.to or datetime.now(UTC).date()

    def first_day(self) -> date:
        return self.from_ or self.last_day() - timedelta(days=29)

    def first(self) -> str:
        return self.first_day().isoformat()

    def last(self) -> str:
        return self.last_day().isoformat()


class DayCount(BaseModel):
    day: str
    allowed: int
    denied: int


class UsageReport(BaseModel):
    """Decisions the authorizer and ``/v1/verify`` made, written behind (see README)."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    key_id: str | None
    from_: str = Field(alias="from")
    to: str
    days: list[DayCount]
    allowed: int
    denied: int


class AuditListQuery(Strict):
    """Query string of ``GET /v1/audit-events``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    key_id: str | None = Field(default=None, max_length=64)
    action: str | None = Field(default=None, max_length=64)
    from_: AwareDatetime | None = Field(default=None, alias="from")
    to: AwareDatetime | None = None
    limit: int = Field(default=50, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=1024)

    _from = field_validator("from_")(_utc)
    _to = field_validator("to")(_utc)

    @field_validator("action")
    @classmethod
    def _known_action(cls, value: str | None) -> str | None:
        if value is not None and value not in audit.ACTIONS:
            raise ValueError("must be one of " + ", ".join(audit.ACTIONS))
        return value


class AuditTarget(BaseModel):
    type: str
    id: str


class AuditEventOut(BaseModel):
    """One lifecycle change: who, what, when, from where, and the fields before and after."""

    id: str
    time: datetime
    action: str
    tenant_id: str
    actor: ActorOut
    target: AuditTarget
    source_ip: str | None
    user_agent: str | None
    request_id: str | None
    changes: dict[str, dict[str, Any]]


class AuditPage(BaseModel):
    events: list[AuditEventOut]
    next_cursor: str | None
