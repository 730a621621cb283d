"""Typed edits of a key or a group: what a PATCH may change, and nothing else.

The HTTP edge builds an edit from the request body; the service diffs it against the
record for the audit event; storage maps each field to its attribute by name, explicitly.
A field the request did not send is :data:`UNCHANGED`; ``None`` is a sent value that
clears an optional field (a description), which storage removes and reads back as "".
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime
from enum import Enum
from typing import Final

from chalicelib.domain import audit
from chalicelib.domain.records import ApiKey, Group


class Unchanged(Enum):
    """The value of a field an edit leaves as it is: it was not in the request."""

    UNCHANGED = "unchanged"


UNCHANGED: Final = Unchanged.UNCHANGED


@dataclass(frozen=True)
class KeyEdit:
    """``PATCH /v1/keys/{key_id}``: name, description, group, allowlist. Never the expiry."""

    name: str | Unchanged = UNCHANGED
    description: str | Unchanged | None = UNCHANGED
    group_id: str | Unchanged = UNCHANGED
    ip_allowlist: tuple[str, ...] | Unchanged = UNCHANGED

    def sent(self) -> dict[str, object]:
        """The fields the edit sets, by name, in declaration order."""
        return _sent(self)

    def changes(self, key: ApiKey) -> audit.Changes:
        """(before, after) of each field this edit changes on ``key``; empty: a no-op."""
        before: dict[str, object] = {
            "name": key.name,
            "description": key.description,
            "group_id": key.group_id,
            "ip_allowlist": key.ip_allowlist,
        }
        return audit.diff(before, self.sent())

    def applied(self, key: ApiKey, now: datetime) -> ApiKey:
        """``key`` as the edit leaves it, at ``now`` (a cleared description reads "")."""
        return replace(
            key,
            name=key.name if self.name is UNCHANGED else self.name,
            description=_description(self.description, key.description),
            group_id=key.group_id if self.group_id is UNCHANGED else self.group_id,
            ip_allowlist=key.ip_allowlist if self.ip_allowlist is UNCHANGED else self.ip_allowlist,
            updated_at=now,
        )


@dataclass(frozen=True)
class GroupEdit:
    """``PATCH /v1/groups/{group_id}``: name, description, permissions, route patterns."""

    name: str | Unchanged = UNCHANGED
    description: str | Unchanged | None = UNCHANGED
    permissions: tuple[str, ...] | Unchanged = UNCHANGED
    routes: tuple[str, ...] | Unchanged = UNCHANGED

    def sent(self) -> dict[str, object]:
        """The fields the edit sets, by name, in declaration order."""
        return _sent(self)

    def changes(self, group: Group) -> audit.Changes:
        """(before, after) of each field this edit changes on ``group``; empty: a no-op."""
        before: dict[str, object] = {
            "name": group.name,
            "description": group.description,
            "permissions": group.permissions,
            "routes": group.routes,
        }
        return audit.diff(before, self.sent())


def _sent(edit: KeyEdit | GroupEdit) -> dict[str, object]:
    values = {field.name: getattr(edit, field.name) for field in fields(edit)}
    return {name: value for name, value in values.items() if value is not UNCHANGED}


def _description(edited: str | Unchanged | None, current: str) -> str:
    if edited is UNCHANGED:
        return current
    return edited or ""
