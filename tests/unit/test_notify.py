"""What the warnings say, and how a bus's partial refusal comes back (no AWS)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from unittest.mock import Mock

from chalicelib.domain.records import Actor
from chalicelib.domain.warnings import Digest, Notice
from chalicelib.notify.senders import (
    DIGEST_LINES,
    AwsNotifier,
    digest_subject,
    digest_text,
    event_detail,
)

OWNER = Actor(type="key", id="kAdmin", name="Admin key")


def notice(key_id: str = "k1", threshold: int = 7, days_left: int = 7) -> Notice:
    return Notice(
        tenant_id="acme",
        key_id=key_id,
        key_name=f"Key {key_id}",
        group_id="grp_1",
        expires_at=datetime(2027, 1, 31, 12, tzinfo=UTC),
        days_left=days_left,
        threshold=threshold,
        created_by=OWNER,
    )


def test_event_detail_names_the_key_its_owner_and_the_time_left() -> None:
    assert event_detail(notice()) == {
        "tenant_id": "acme",
        "key_id": "k1",
        "key_name": "Key k1",
        "group_id": "grp_1",
        "expires_at": "2027-01-31T12:00:00Z",
        "days_left": 7,
        "threshold_days": 7,
        "created_by": {"type": "key", "id": "kAdmin", "name": "Admin key"},
    }


def test_digest_lists_each_key_for_a_person() -> None:
    digest = Digest("acme", (notice("k1"), notice("k2", threshold=0, days_left=0)))

    text = digest_text(digest)

    assert digest_subject(digest) == "Latchkey: 2 API keys of acme expiring or expired"
    assert "- Key k1 (key k1, group grp_1): expires at 2027-01-31T12:00:00Z, in 7 days" in text
    assert "- Key k2 (key k2, group grp_1): EXPIRED at 2027-01-31T12:00:00Z" in text


def test_a_long_digest_stays_within_sns_limits() -> None:
    many = tuple(notice(f"k{n:05d}") for n in range(DIGEST_LINES + 50))

    text = digest_text(Digest("acme", many))

    assert text.count("\n- ") == DIGEST_LINES
    assert "... and 50 more" in text
    assert len(text.encode()) < 256 * 1024


def test_entries_the_bus_refused_are_returned() -> None:
    events = Mock(spec=["put_events"])
    events.put_events.return_value = {
        "FailedEntryCount": 1,
        "Entries": [{"EventId": "e1"}, {"ErrorCode": "ThrottlingException", "ErrorMessage": "x"}],
    }
    notifier = AwsNotifier("ops", None, lambda: events, lambda: None)
    first, second = notice("k1"), notice("k2")

    assert notifier.send([first, second]) == [second]
    entry, _ = events.put_events.call_args.kwargs["Entries"]
    assert entry["Source"] == "latchkey"
    assert entry["EventBusName"] == "ops"
    assert entry["DetailType"] == "API Key Expiring"


def test_no_topic_means_no_digest_and_no_sns_client() -> None:
    made: list[Any] = []
    notifier = AwsNotifier("default", None, lambda: None, lambda: made.append("sns"))

    notifier.digest(Digest("acme", (notice(),)))

    assert made == []
