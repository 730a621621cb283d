"""Request and response models of the platform API (``/v1/platform``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from chalicelib.api.schemas.common import Model


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
