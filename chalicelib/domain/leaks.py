"""Leaked keys: a token reported public, checked, and handled as its tenant chose.

A report (GitHub's secret scanning partner programme, or anyone through ``POST /v1/leaks``)
goes: parse (a malformed token costs no read) -> one read of the key -> its secret (the
current one, or the previous one inside its grace period) -> the tenant's ``leak_policy``:
``revoke`` revokes the key and records the leak in one transaction, ``notify`` records the
leak alone; both write the leak's audit event in that transaction, then announce it at once
(an EventBridge event and an SNS message). The previous secret of a rotation, reported
inside its grace period, ends that grace at once whatever the policy: the key and its new
secret keep working, so whoever held the old secret cannot revoke its replacement. A leak
already recorded, or a key already revoked, changes nothing. The token itself is never
stored, logged or announced: only the source, where it was found (:func:`where_found`: the
URL's scheme and host name, nothing else) and the time.
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
from urllib.parse import urlsplit

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
# A reported URL keeps only its scheme and host name. Cutting the secret out of the rest
# cannot be made safe: a path or query may carry it whole, as its bare secret part,
# percent- or plus-encoded, in another case, split up or in an encoding nobody listed.
# The host is a lower-case DNS name (its last label starts with a letter, so no IP
# address, which could carry bits of a secret); no userinfo, port, path, query or fragment.
WEB_SCHEMES = frozenset({"http", "https"})
HOST_NAME = re.compile(
    r"(?=[a-z0-9.-]{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*"
    r"[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?"
)
# A host holding this many characters in a row of the reported secret (case and anything
# but letters and digits ignored, so across dots too) is withheld: 36**6 makes a chance
# match about one in two billion per window, and 6 characters are 31 bits of 256 at most.
SECRET_RUN = 6
# Sources: "report", or "github:" and GitHub's own word for where it looked ("content",
# "commit", "pull_request_title", ...); anything else is cut to what precedes the colon.
SOURCE = re.compile(r"[a-z]+(?::[a-z][a-z_]{0,63})?")
log = logging.getLogger(__name__)


class Label(StrEnum):
    """GitHub's feedback labels: was the reported token one of our live secrets?"""

    TRUE_POSITIVE = "true_positive"
    FALSE_POSITIVE = "false_positive"


class Taken(StrEnum):
    """What was done about a leak, as the event says."""

    REVOKED = "revoked"
    NOTIFIED = "notified"
    PREVIOUS_SECRET_ENDED = "previous_secret_ended"  # noqa: S105 - an action, not a secret


@dataclass(frozen=True)
class Report:
    """One reported token and where it was found. Neither ``token`` nor ``url`` (which may
    carry the token in any form) may be logged."""

    token: str
    source: str
    url: str | None = None

    def __repr__(self) -> str:
        return f"Report(token=<redacted>, source={self.source!r}, url=<redacted>)"


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

    def end_grace(self, key: ApiKey, mark: LeakMark, previous: SecretHash) -> bool: ...


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


def _folded(text: str) -> str:
    return "".join(char for char in text.casefold() if char.isascii() and char.isalnum())


def _holds_a_run_of(host: str, secret: str) -> bool:
    folded, hidden = _folded(host), _folded(secret)
    runs = {hidden[start : start + SECRET_RUN] for start in range(len(hidden) - SECRET_RUN + 1)}
    return any(run in folded for run in runs)


def where_found(url: str | None, secret: str) -> str | None:
    """``scheme://host`` of a reported URL, or None: no path, query, fragment, userinfo or
    port, and nothing when the URL is not http(s) with a DNS host name, or the host holds
    a run of the reported ``secret``."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:  # an unbalanced IPv6 bracket, for one
        return None
    scheme = parts.scheme.lower()
    if scheme not in WEB_SCHEMES or host is None or not HOST_NAME.fullmatch(host):
        return None
    if _holds_a_run_of(host, secret):
        return None
    return f"{scheme}://{host}"


def shown_url(url: object) -> object:
    """A stored leak URL as answers show it: its scheme and host. Leaks recorded before
    only those were kept hold the whole URL, scrubbed of the full token only, so every
    answer cuts it again (the secret is unknown here: the host is kept as stored)."""
    return where_found(url, "") if isinstance(url, str) else url


def source_label(source: str, secret: str) -> str:
    """``source`` when it has the expected shape and holds no run of the reported
    ``secret``, else the part before its colon."""
    if SOURCE.fullmatch(source) and not _holds_a_run_of(source, secret):
        return source
    head = source.split(":", 1)[0]
    return head if SOURCE.fullmatch(head) else "unknown"


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
            self._act(key, self._leak(report, parsed.secret, now), stored, origin)
        # else: revoked already, or this leak is recorded: nothing changes
        return Label.TRUE_POSITIVE

    @staticmethod
    def _leak(report: Report, secret: str, now: datetime) -> Leak:
        return Leak(now, source_label(report.source, secret), where_found(report.url, secret))

    def _act(self, key: ApiKey, leak: Leak, stored: SecretHash, origin: Origin) -> None:
        """Record the leak (and with ``revoke``, revoke; for a previous secret, end its
        grace) in one transaction, then announce it.

        The write is conditioned on the leak being new, so of two racing reports one acts.
        """
        origin = replace(origin, actor=SCANNER)
        before = key.leak
        changes: audit.Changes = {
            "leaked_at": (before.reported_at if before else None, leak.reported_at),
            "leak_source": (before.source if before else None, leak.source),
            "leak_url": (before.url if before else None, leak.url),
        }
        previous = stored != key.current_secret
        if previous:
            changes["previous_secret_valid_until"] = (stored.valid_until, leak.reported_at)
        event = audit.event(
            key.tenant_id, "key.leaked", ("key", key.key_id), origin, leak.reported_at, changes
        )
        mark = LeakMark(leak, fingerprint(stored), event)
        if previous:
            # Not the policy's to decide: the current secret was not reported, and revoking
            # the key would hand whoever held the old secret a way to kill its replacement.
            taken = Taken.PREVIOUS_SECRET_ENDED
            done = self._ports.marker.end_grace(key, mark, stored)
        elif self._ports.tenants.get(key.tenant_id).leak_policy is LeakPolicy.REVOKE:
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
