"""Where expiry warnings go: EventBridge events per key, an SNS digest per tenant.

Operators route the events (source ``latchkey``) to email, chat or webhooks with rules and
API destinations (infra/examples/expiry-notifications.yaml). Clients are created on first
use and may be injected. :class:`RecordingNotifier` keeps the warnings in memory: the CLI
uses it against a local store, so a laptop never sends to AWS.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from typing import Any

from chalicelib.clock import iso_z
from chalicelib.domain.leaks import LeakNotice
from chalicelib.domain.warnings import Digest, Notice
from chalicelib.notify.leak_messages import DETAIL_TYPE, leak_detail, leak_subject, leak_text

SOURCE = "latchkey"
# SNS limits: a subject of 100 characters, a message of 256 KB. A digest lists this many
# keys, then says how many more; the events carry every one.
DIGEST_LINES = 200
ClientFactory = Callable[[], Any]


def event_detail(notice: Notice) -> dict[str, Any]:
    """The ``detail`` of a warning's EventBridge event."""
    return {
        "tenant_id": notice.tenant_id,
        "key_id": notice.key_id,
        "key_name": notice.key_name,
        "group_id": notice.group_id,
        "expires_at": iso_z(notice.expires_at),
        "days_left": notice.days_left,
        "threshold_days": notice.threshold,
        "created_by": {
            "type": notice.created_by.type,
            "id": notice.created_by.id,
            "name": notice.created_by.name,
        },
    }


def digest_subject(digest: Digest) -> str:
    count = len(digest.notices)
    keys = "1 API key" if count == 1 else f"{count} API keys"
    return f"Latchkey: {keys} of {digest.tenant_id} expiring or expired"[:100]


def digest_text(digest: Digest) -> str:
    """The digest for a person: one line per key, nearest expiry first."""
    notices = sorted(digest.notices, key=lambda notice: (notice.expires_at, notice.key_id))
    lines = [f"API keys of tenant {digest.tenant_id} that crossed an expiry warning:", ""]
    for notice in notices[:DIGEST_LINES]:
        lines.append(
            f"- {notice.key_name} (key {notice.key_id}, group {notice.group_id}): "
            f"{_when(notice)}; created by {notice.created_by.name}"
        )
    if len(notices) > DIGEST_LINES:
        lines.append(f"... and {len(notices) - DIGEST_LINES} more (one event per key was sent).")
    lines += ["", "Rotate a key with a new expiry, or create a replacement, before it expires."]
    return "\n".join(lines)


def _when(notice: Notice) -> str:
    if notice.threshold == 0:
        return f"EXPIRED at {iso_z(notice.expires_at)}"
    unit = "day" if notice.days_left == 1 else "days"
    return f"expires at {iso_z(notice.expires_at)}, in {notice.days_left} {unit}"


class AwsNotifier:
    """Events on ``bus``; the digest on ``topic_arn`` (none when it is None)."""

    def __init__(
        self,
        bus: str,
        topic_arn: str | None,
        events_client: ClientFactory,
        sns_client: ClientFactory,
    ) -> None:
        self._bus = bus
        self._topic_arn = topic_arn
        self._factories = {"events": events_client, "sns": sns_client}
        self._clients: dict[str, Any] = {}
        # The sweep sends from several threads; boto3 clients may be shared
        # between threads, but two threads must not create them at once.
        self._lock = threading.Lock()

    def _client(self, name: str) -> Any:
        with self._lock:
            if name not in self._clients:
                self._clients[name] = self._factories[name]()
            return self._clients[name]

    def send(self, notices: Sequence[Notice]) -> list[Notice]:
        """One PutEvents call (up to 10 notices); returns those EventBridge did not accept."""
        if not notices:
            return []
        entries = [
            {
                "Source": SOURCE,
                "DetailType": notice.detail_type,
                "Detail": json.dumps(event_detail(notice)),
                "EventBusName": self._bus,
            }
            for notice in notices
        ]
        answer = self._client("events").put_events(Entries=entries)
        # Entries come back in the order sent; a failed one has an ErrorCode.
        return [
            notice
            for notice, result in zip(notices, answer["Entries"], strict=True)
            if result.get("ErrorCode")
        ]

    def digest(self, digest: Digest) -> None:
        if self._topic_arn is None:
            return
        self._client("sns").publish(
            TopicArn=self._topic_arn,
            Subject=digest_subject(digest),
            Message=digest_text(digest),
            MessageAttributes={
                "tenant_id": {"DataType": "String", "StringValue": digest.tenant_id}
            },
        )

    def leaked(self, notice: LeakNotice) -> None:
        """Leaked keys: one ``API Key Leaked`` event, and a message on the topic (if any)."""
        entry = {
            "Source": SOURCE,
            "DetailType": DETAIL_TYPE,
            "Detail": json.dumps(leak_detail(notice)),
            "EventBusName": self._bus,
        }
        answer = self._client("events").put_events(Entries=[entry])
        if self._topic_arn is not None:
            self._client("sns").publish(
                TopicArn=self._topic_arn,
                Subject=leak_subject(notice),
                Message=leak_text(notice),
                MessageAttributes={
                    "tenant_id": {"DataType": "String", "StringValue": notice.tenant_id}
                },
            )
        if answer.get("FailedEntryCount"):
            raise RuntimeError(f"EventBridge refused the event: {answer['Entries'][0]}")


class RecordingNotifier:
    """Keeps what would be sent, in order; for the local CLI and for tests."""

    def __init__(self) -> None:
        self.events: list[Notice] = []
        self.digests: list[Digest] = []
        self.leaks: list[LeakNotice] = []

    def send(self, notices: Sequence[Notice]) -> list[Notice]:
        self.events.extend(notices)
        return []

    def digest(self, digest: Digest) -> None:
        self.digests.append(digest)

    def leaked(self, notice: LeakNotice) -> None:
        self.leaks.append(notice)
