"""What a leaked key's EventBridge event and SNS message say (sent by chalicelib/notify/senders.py).

Never the token: the tenant, the key's id and name, where it was found and what was done.
"""

from __future__ import annotations

from typing import Any

from chalicelib.clock import iso_z
from chalicelib.domain.leaks import LeakNotice, Taken

DETAIL_TYPE = "API Key Leaked"


def leak_detail(notice: LeakNotice) -> dict[str, Any]:
    """The ``detail`` of the ``API Key Leaked`` event."""
    return {
        "tenant_id": notice.tenant_id,
        "key_id": notice.key_id,
        "key_name": notice.key_name,
        "group_id": notice.group_id,
        "source": notice.source,
        "url": notice.url,
        "reported_at": iso_z(notice.reported_at),
        "action": notice.action.value,
    }


def leak_subject(notice: LeakNotice) -> str:
    # SNS subjects: at most 100 characters.
    return f"Latchkey: API key {notice.key_id} of {notice.tenant_id} was found in public"[:100]


def leak_text(notice: LeakNotice) -> str:
    """The message for a person: what leaked, where, and what to do now."""
    where = notice.url or "(no URL given)"
    if notice.action is Taken.REVOKED:
        done = "It was revoked at once. Create a replacement key and deploy it."
    elif notice.action is Taken.PREVIOUS_SECRET_ENDED:
        done = (
            "The secret found was the one the key had before its last rotation: it stopped "
            "working at once, its grace period cut short. The key's current secret still works."
        )
    else:
        done = (
            "It still works (the tenant's leak policy is notify). Rotate it now with "
            "POST /v1/keys/{id}/rotate, or revoke it."
        ).replace("{id}", notice.key_id)
    return "\n".join(
        [
            f"The API key {notice.key_name!r} (key {notice.key_id}, group {notice.group_id}) "
            f"of tenant {notice.tenant_id} was reported public at {iso_z(notice.reported_at)}.",
            f"Source: {notice.source}",
            f"Where: {where}",
            "",
            done,
        ]
    )
