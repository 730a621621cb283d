"""Request and response models of ``/v1/groups``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    Field,
    WithJsonSchema,
    field_validator,
)

from chalicelib.api.schemas.common import (
    ROUTE_PATTERN_REGEX,
    Description,
    Model,
    Name,
    Strict,
    drop_null,
)
from chalicelib.domain import routes
from chalicelib.domain.edits import UNCHANGED, GroupEdit

Permission = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9:._*\-]+$")]
# Checked by routes.normalize_pattern; the schema states the same rule for the document.
RoutePattern = Annotated[
    str,
    Field(max_length=routes.MAX_PATTERN_LENGTH),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": ROUTE_PATTERN_REGEX,
            "maxLength": routes.MAX_PATTERN_LENGTH,
        }
    ),
]
# Limits of one group (README, "Route patterns"); the tenant's group limit is the tenant's.
MAX_ROUTES = 50
MAX_PERMISSIONS = 50


class GroupCreate(Strict):
    """``POST /v1/groups``."""

    name: Name
    description: Description = ""
    permissions: list[Permission] = Field(default_factory=list, max_length=MAX_PERMISSIONS)
    routes: list[RoutePattern] = Field(
        default_factory=lambda: [routes.ALL_ROUTES],
        min_length=1,
        max_length=MAX_ROUTES,
        description=(
            'Patterns "METHOD /path" where * matches anything. Omitted, it is ["* /*"]: '
            "the group's keys may call every route of every API behind the authorizer. "
            "Name the routes they need."
        ),
        json_schema_extra={"default": [routes.ALL_ROUTES]},
    )

    @field_validator("routes")
    @classmethod
    def _check_routes(cls, value: list[str]) -> list[str]:
        return _normalize_routes(value)


class GroupUpdate(Strict):
    """``PATCH /v1/groups/{group_id}``."""

    # Omitted means unchanged; null is refused, so the document does not offer it. A null
    # description clears it.
    name: Name | None = Field(default=None, json_schema_extra=drop_null)
    description: Description | None = None
    permissions: list[Permission] | None = Field(
        default=None, max_length=MAX_PERMISSIONS, json_schema_extra=drop_null
    )
    routes: list[RoutePattern] | None = Field(
        default=None, min_length=1, max_length=MAX_ROUTES, json_schema_extra=drop_null
    )

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

    def edit(self) -> GroupEdit:
        """The typed edit: sent fields only (null refused but for the description)."""
        return GroupEdit(
            name=self.name if self.name is not None else UNCHANGED,
            description=self.description if "description" in self.model_fields_set else UNCHANGED,
            permissions=UNCHANGED if self.permissions is None else tuple(self.permissions),
            routes=UNCHANGED if self.routes is None else tuple(self.routes),
        )


def _normalize_routes(value: list[str]) -> list[str]:
    normalized = []
    for index, pattern in enumerate(value):
        try:
            normalized.append(routes.normalize_pattern(pattern))
        except routes.RoutePatternError as error:
            raise ValueError(f"pattern {index + 1}: {error}") from None
    return list(dict.fromkeys(normalized))


class GroupOut(Model):
    id: str
    name: str
    description: str
    permissions: list[str]
    routes: list[str]
    key_count: int = Field(description="Active keys in this group.")
    created_at: datetime
    updated_at: datetime
    tokens_latchkey_only: bool = Field(
        description=(
            "True when the group's routes are not `* /*`: its keys' access tokens are then "
            "accepted only by Latchkey's authorizer and POST /v1/verify (which check "
            "routes), never by API Gateway's JWT authorizer (which checks only scopes). "
            "A key with an IP allowlist has such tokens in any group."
        )
    )


class GroupListQuery(Strict):
    """Query string of ``GET /v1/groups`` (paginated, like ``GET /v1/keys``)."""

    limit: int = Field(default=50, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=512)


class GroupList(Model):
    """A page of the tenant's groups, ordered by id; ``next_cursor`` fetches the next page."""

    groups: list[GroupOut]
    next_cursor: str | None = None
