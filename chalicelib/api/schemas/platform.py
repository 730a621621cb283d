"""Request and response models of the platform API (``/v1/platform``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, field_validator

from chalicelib.api.schemas.common import NAME_REGEX, Integer, Model, Name, Strict
from chalicelib.domain import audit
from chalicelib.domain.records import LeakPolicy
from chalicelib.domain.tenants import DISPLAY_NAME_LENGTH, MAX_GROUP_LIMIT


class KeyOwnerOut(Model):
    """Whose key this is: its tenant, name and state. Never a secret or a hash of one."""

    key_id: str
    kind: Literal["tenant", "platform"]
    tenant_id: str | None
    name: str
    status: Literal["active", "revoked"]
    group_id: str | None
    hint: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


# A tenant's id, as the operator CLI takes it (chalicelib/domain/tenants.py TENANT_NAME).
TenantId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")]
KeyLimit = Annotated[Integer, Field(ge=0, le=100_000)]
GroupLimit = Annotated[Integer, Field(ge=0, le=MAX_GROUP_LIMIT)]
DisplayName = Annotated[
    str,
    Field(min_length=1, max_length=DISPLAY_NAME_LENGTH, pattern=NAME_REGEX),
]
TenantStatus = Literal["active", "suspended", "deleting"]


class TenantCreate(Strict):
    """``POST /v1/platform/tenants``."""

    tenant_id: TenantId
    key_limit: KeyLimit
    group_limit: GroupLimit | None = Field(
        default=None, description="Omit: the deployment's default (LATCHKEY_DEFAULT_GROUP_LIMIT)."
    )
    leak_policy: LeakPolicy | None = Field(default=None, description="Omit: revoke.")
    display_name: DisplayName | None = None


class TenantUpdate(Strict):
    """``PATCH /v1/platform/tenants/{tenant_id}``: only the fields sent change.

    A limit lowered below what the tenant uses is allowed: nothing is revoked or deleted,
    and new keys (or groups) are refused until the tenant is under it again.
    """

    key_limit: KeyLimit | None = None
    group_limit: GroupLimit | None = None
    leak_policy: LeakPolicy | None = None
    display_name: DisplayName | None = None


class TenantOut(Model):
    """A tenant as the platform API shows it."""

    tenant_id: str
    display_name: str | None
    status: TenantStatus
    key_limit: int
    keys_used: int
    group_limit: int
    groups_used: int
    leak_policy: LeakPolicy
    created_at: datetime
    suspended_at: datetime | None = None
    suspension_reason: str | None = None
    over_limit: list[str] = Field(
        default_factory=list,
        description="Set when a limit was lowered below what the tenant uses: nothing was "
        "revoked or deleted, and new keys (or groups) are refused until it is under again.",
    )


class TenantList(Model):
    tenants: list[TenantOut]
    next_cursor: str | None


class TenantListQuery(Strict):
    """Query string of ``GET /v1/platform/tenants``."""

    status: TenantStatus | None = None
    prefix: str | None = Field(
        default=None,
        max_length=63,
        pattern=r"^[a-z0-9-]+$",
        description="Only tenants whose id starts with this.",
    )
    limit: int = Field(default=50, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=512)


class AdminKeyCreate(Strict):
    """``POST /v1/platform/tenants/{tenant_id}/admin-keys``."""

    name: Name = "Admin key"


class PlatformAuditQuery(Strict):
    """Query string of ``GET /v1/platform/audit-events``."""

    tenant_id: TenantId | None = Field(
        default=None, description="Only events about this tenant (and its keys and groups)."
    )
    action: str | None = None
    limit: int = Field(default=50, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=512)

    @field_validator("action")
    @classmethod
    def _known_action(cls, value: str | None) -> str | None:
        if value is not None and value not in audit.ACTIONS:
            raise ValueError("must be one of " + ", ".join(audit.ACTIONS))
        return value
