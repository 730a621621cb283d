"""The expiry sweep's records: a key due for a warning, a warning, a tenant's digest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.expiry import detail_type
from chalicelib.domain.records import Actor


@dataclass(frozen=True)
class Candidate:
    """A key the sweep index returned, with the values its write will be conditioned on."""

    key_id: str
    tenant_id: str
    name: str
    group_id: str
    expires_at: datetime
    created_by: Actor
    notified: frozenset[int]
    due: datetime
    counted: bool


@dataclass(frozen=True)
class Notice:
    """One warning: one key, one threshold."""

    tenant_id: str
    key_id: str
    key_name: str
    group_id: str
    expires_at: datetime
    days_left: int
    threshold: int
    created_by: Actor

    @property
    def detail_type(self) -> str:
        return detail_type(self.threshold)


@dataclass(frozen=True)
class Digest:
    """The keys of one tenant that crossed a threshold in one run, for a person to read."""

    tenant_id: str
    notices: tuple[Notice, ...]
