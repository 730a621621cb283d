"""The webhooks' block of settings: tables, queue, limits and the local-only loopback switch.

chalicelib/config/settings.py hands :func:`webhook_settings` the environment it reads; nothing
here reads ``os.environ``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypedDict

TRUE = frozenset({"1", "true", "yes", "on"})
# A rotated signing secret keeps signing beside the new one for at most this long.
MAX_SECRET_GRACE_SECONDS = 86_400


class WebhookSettings(TypedDict):
    webhook_endpoints_table: str
    webhook_outbox_table: str
    webhook_deliveries_table: str
    webhook_queue_url: str
    webhook_endpoint_limit: int
    webhook_allow_loopback_http: bool
    webhook_timeout_seconds: float
    webhook_retry_hours: int


def webhook_settings(env: Mapping[str, str], stage: str) -> WebhookSettings:
    """LATCHKEY_WEBHOOK_* variables (README, "Webhooks").

    LATCHKEY_WEBHOOK_ALLOW_LOOPBACK_HTTP lets endpoints be ``http://`` on a loopback address,
    for a receiver on the developer's own machine; it is refused outside the local stage.
    """
    loopback = env.get("LATCHKEY_WEBHOOK_ALLOW_LOOPBACK_HTTP", "").lower() in TRUE
    if loopback and stage != "local":
        raise ValueError("LATCHKEY_WEBHOOK_ALLOW_LOOPBACK_HTTP is only allowed in the local stage")
    limit = int(env.get("LATCHKEY_WEBHOOK_ENDPOINT_LIMIT") or 10)
    if limit < 1:
        raise ValueError("LATCHKEY_WEBHOOK_ENDPOINT_LIMIT must be at least 1")
    timeout = float(env.get("LATCHKEY_WEBHOOK_TIMEOUT_SECONDS") or 5)
    if not 0 < timeout <= 30:
        raise ValueError("LATCHKEY_WEBHOOK_TIMEOUT_SECONDS must be above 0 and at most 30")
    return {
        "webhook_endpoints_table": env.get(
            "LATCHKEY_WEBHOOK_ENDPOINTS_TABLE", "latchkey-webhook-endpoints"
        ),
        "webhook_outbox_table": env.get("LATCHKEY_WEBHOOK_OUTBOX_TABLE", "latchkey-webhook-outbox"),
        "webhook_deliveries_table": env.get(
            "LATCHKEY_WEBHOOK_DELIVERIES_TABLE", "latchkey-webhook-deliveries"
        ),
        "webhook_queue_url": env.get("LATCHKEY_WEBHOOK_QUEUE_URL", ""),
        "webhook_endpoint_limit": limit,
        "webhook_allow_loopback_http": loopback,
        "webhook_timeout_seconds": timeout,
        "webhook_retry_hours": int(env.get("LATCHKEY_WEBHOOK_RETRY_HOURS") or 24),
    }
