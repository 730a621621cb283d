"""Request and response models of ``POST /v1/verify``."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import (
    BaseModel,
    Field,
    field_validator,
)

from chalicelib.api.schemas.common import CALL_REGEX, Strict
from chalicelib.domain import routes


class VerifyRequest(Strict):
    """``POST /v1/verify``."""

    key: str = Field(max_length=512, description="The full API key to check.")
    route: str | None = Field(
        default=None,
        max_length=2048,
        description='The call to check, like "GET /orders/7".',
        json_schema_extra={"pattern": CALL_REGEX},
    )
    source_ip: str | None = Field(
        default=None, max_length=64, description="The address the key was presented from."
    )

    @field_validator("route")
    @classmethod
    def _check_route(cls, value: str | None) -> str | None:
        if value is None:
            return None
        # pydantic's strip (Rust's) leaves some characters str.strip() removes.
        method, _, path = value.strip().partition(" ")
        method = method.upper() if method.isascii() else ""
        if method not in routes.METHODS[:-1] or not path.startswith("/"):
            raise ValueError('must look like "GET /orders/7"')
        return f"{method} {path}"

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
        "PATH_NOT_CANONICAL",
    ] = Field(
        description="VALID, or why not. PATH_NOT_CANONICAL: the route's path holds a "
        "dot-segment (/./, /../, a trailing /..) or an encoded form of one (%2e, %252e, a dot "
        "beside %2f or \\); such a path matches no pattern."
    )
    key_id: str | None
    tenant_id: str | None
    group_id: str | None
    permissions: list[str]
    expires_at: datetime | None
