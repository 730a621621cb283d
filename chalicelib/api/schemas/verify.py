"""Request and response models of ``POST /v1/verify``."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import (
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from chalicelib.api.schemas.common import CALL_REGEX, Model, Strict, drop_null
from chalicelib.domain import allowlist, routes


class VerifyRequest(Strict):
    """``POST /v1/verify``."""

    # Exactly one of key and token, never null: the document says so with oneOf.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"oneOf": [{"required": ["key"]}, {"required": ["token"]}]},
    )

    key: str | None = Field(
        default=None,
        max_length=512,
        description="The full API key to check (or ``token``).",
        json_schema_extra=drop_null,
    )
    # Access tokens: checked from the token alone, like the authorizer does.
    token: str | None = Field(
        default=None,
        max_length=16384,
        description="An access token from POST /oauth2/token to check, instead of a key.",
        json_schema_extra=drop_null,
    )
    route: str | None = Field(
        default=None,
        max_length=2048,
        description='The call to check, like "GET /orders/7".',
        json_schema_extra={"pattern": CALL_REGEX},
    )
    source_ip: str | None = Field(
        default=None,
        max_length=64,
        description="The address the key was presented from (no IPv6 %zone).",
        json_schema_extra={"pattern": "^[^%]*$"},
    )

    @field_validator("source_ip")
    @classmethod
    def _unscoped(cls, value: str | None) -> str | None:
        # A zone names one host's interface; Python would match fe80::1%eth0 as fe80::1.
        if value is not None and "%" in value:
            raise ValueError(allowlist.SCOPED)
        return value

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

    @model_validator(mode="after")
    def _one_credential(self) -> VerifyRequest:
        sent = [name for name in ("key", "token") if name in self.model_fields_set]
        if len(sent) != 1 or getattr(self, sent[0]) is None:
            raise ValueError("send exactly one of key and token")
        return self

    def parsed_route(self) -> tuple[str, str] | None:
        if self.route is None:
            return None
        method, _, path = self.route.partition(" ")
        return method, path


class VerifyResult(Model):
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
        "TOKEN_EXPIRED",
        "TOKEN_INVALID",
    ] = Field(
        description="VALID, or why not. PATH_NOT_CANONICAL: the route's path holds a "
        "dot-segment (/./, /../, a trailing /..) or an encoded form of one (%2e, %252e, a dot "
        "beside %2f or \\); such a path matches no pattern. TOKEN_EXPIRED, TOKEN_INVALID: "
        "an access token past its exp, or not one Latchkey issued."
    )
    key_id: str | None
    tenant_id: str | None
    group_id: str | None
    permissions: list[str]
    expires_at: datetime | None
