"""Response model of ``GET /v1/me``: who the caller is, what it may do, and its tenant's usage."""

from __future__ import annotations

from pydantic import Field

from chalicelib.api.schemas.common import ActorOut, Model
from chalicelib.api.schemas.keys import KeyUsage


class MeOut(Model):
    """The credential's identity, as the audit trail records it, and its tenant's limit."""

    tenant_id: str
    actor: ActorOut = Field(description="The key or the person this credential is.")
    permissions: list[str] = Field(
        description="What the credential grants, sorted: keys:manage may make every call, "
        "keys:read only the GET calls."
    )
    key_usage: KeyUsage
