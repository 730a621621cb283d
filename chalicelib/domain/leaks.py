"""Leaked keys: a token reported public, checked, and handled as its tenant chose.

A report (GitHub's secret scanning partner programme, or anyone through ``POST /v1/leaks``)
goes: parse (a malformed token costs no read) -> one read of the key -> its secret (the
current one, or the previous one inside its grace period) -> the tenant's ``leak_policy``:
``revoke`` revokes the key and records the leak in one transaction, ``notify`` records the
leak alone; both write the leak's audit event in that transaction, then announce it at once
(an EventBridge event and an SNS message). A leak already recorded, or a key already
revoked, changes nothing. The token itself is never stored, logged or announced: only the
source, the URL (with anything shaped like a token cut out) and the time.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from chalicelib.domain import audit
from chalicelib.domain.key_format import KeyFormat
from chalicelib.domain.records import (
    Actor,
    ApiKey,
    KeyStatus,
    Leak,
    LeakMark,
    LeakPolicy,
    Origin,
    SecretHash,
    Tenant,
)
from chalicelib.domain.verification import KeyReader

SCANNER = Actor(type="system", id="secret-scanning", name="Secret scanning")
REDACTED = "[redacted]"
# Anything shaped like a Latchkey token, whatever its prefix: cut out of a reported URL or
# source before it is stored (a pastebin URL may carry the key in its query string).
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_]*_[0-9A-Za-z]{16}_[0-9A-Za-z]{40,}")
log = logging.getLogger(__name__)


class Label(StrEnum):
    """GitHub's feedback labels: was the reported token one of our live secrets?"""

    TRUE_POSITIVE = "true_positive"
    FALSE_POSITIVE = "false_positive"


class Taken(StrEnum):
    """What was done about a leak, as the event says."""

    REVOKED = "revoked"
    NOTIFIED = "notified"


@dataclass(frozen=True)
class Report:
    """One reported token and where it was found. ``token`` must never be logged."""

    token: str
    source: str
    url: str | None = None

    def __repr__(self) -> str:
        return f"Report(token=<redacted>, source={self.source!r}, url={self.url!r})"


@dataclass(frozen=True)
class LeakNotice:
    """What the EventBridge event and the SNS message say about one leak."""

    tenant_id: str
    key_id: str
    key_name: str
    group_id: str
    source: str
    url: str | None
    reported_at: datetime
    action: Taken


class SecretMatcher(Protocol):
    def matching_secret(self, key: ApiKey, secret: str, now: datetime) -> SecretHash | None: ...


class TenantReader(Protocol):
    def get(self, tenant_id: str) -> Tenant: ...


class Revoker(Protocol):
    def revoke_leaked(self, key: ApiKey, origin: Origin, leak: LeakMark) -> ApiKey | None: ...


class Marker(Protocol):
    def mark(self, key: ApiKey, mark: LeakMark) -> bool: ...


class LeakNotifier(Protocol):
    def leaked(self, notice: LeakNotice) -> None: ...


@dataclass(frozen=True)
class LeakPorts:
    """Where a leak service reads and writes."""

    keys: KeyReader
    secrets: SecretMatcher
    tenants: TenantReader
    revoker: Revoker
    marker: Marker
    notifier: LeakNotifier


def fingerprint(stored: SecretHash) -> str:
    """Names one stored secret without revealing it: a digest of its stored hash."""
    return hashlib.sha256(f"{stored.pepper_version}:{stored.digest}".encode()).hexdigest()[:32]


def scrub(text: str | None, token: str) -> str | None:
    """``text`` without the token, its secret, or anything else shaped like a token."""
    if text is None:
        return None
    cleaned = text.replace(token, REDACTED) if token else text
    return TOKEN_SHAPE.sub(REDACTED, cleaned)


class LeakService:
    """Checks reported tokens and acts on the real ones."""

    def __init__(
        self, key_format: KeyFormat, ports: LeakPorts, clock: Callable[[], datetime]
    ) -> None:
        self._key_format = key_format
        self._ports = ports
        self._clock = clock

    def report(self, report: Report, origin: Origin) -> Label:
        """``true_positive`` when the token is a secret of one of our keys, whatever its state."""
        parsed = self._key_format.parse(report.token)
        if parsed is None:
            return Label.FALSE_POSITIVE
        key = self._ports.keys.get_key(parsed.key_id)
        now = self._clock()
        stored = (
            None if key is None else self._ports.secrets.matching_secret(key, parsed.secret, now)
        )
        if key is None or stored is None:
            return Label.FALSE_POSITIVE
        if key.status is KeyStatus.ACTIVE and fingerprint(stored) not in key.leaked_secrets:
            self._act(key, self._leak(report, now), fingerprint(stored), origin)
        # else: revoked already, or this leak is recorded: nothing changes
        return Label.TRUE_POSITIVE

    @staticmethod
    def _leak(report: Report, now: datetime) -> Leak:
        source = scrub(report.source, report.token) or ""
        return Leak(now, source[:200], scrub(report.url, report.token))

    def _act(self, key: ApiKey, leak: Leak, secret: str, origin: Origin) -> None:
        """Record the leak (and with ``revoke``, revoke) in one transaction, then announce it.

        The write is conditioned on the leak being new, so of two racing reports one acts.
        """
        origin = replace(origin, actor=SCANNER)
        before = key.leak
        changes: audit.Changes = {
            "leaked_at": (before.reported_at if before else None, leak.reported_at),
            "leak_source": (before.source if before else None, leak.source),
            "leak_url": (before.url if before else None, leak.url),
        }
        event = audit.event(
            key.tenant_id, "key.leaked", ("key", key.key_id), origin, leak.reported_at, changes
        )
        mark = LeakMark(leak, secret, event)
        if self._ports.tenants.get(key.tenant_id).leak_policy is LeakPolicy.REVOKE:
            taken = Taken.REVOKED
            done = self._ports.revoker.revoke_leaked(key, origin, mark) is not None
        else:
            taken = Taken.NOTIFIED
            done = self._ports.marker.mark(key, mark)
        if done:
            self._announce(key, leak, taken)

    def _announce(self, key: ApiKey, leak: Leak, taken: Taken) -> None:
        notice = LeakNotice(
            key.tenant_id,
            key.key_id,
            key.name,
            key.group_id,
            leak.source,
            leak.url,
            leak.reported_at,
            taken,
        )
        try:
            self._ports.notifier.leaked(notice)
        except Exception as error:  # the leak is recorded and audited; the send is best effort
            log.error("leak of key %s not announced: %s", key.key_id, type(error).__name__)
