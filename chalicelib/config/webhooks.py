"""The webhooks' part of the settings: tables, queue, limits and the local-only loopback switch.

chalicelib/config/settings.py hands :meth:`WebhookSettings.from_env` the environment it reads
and the stage; nothing here reads ``os.environ``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

TRUE = frozenset({"1", "true", "yes", "on"})
# A rotated signing secret keeps signing beside the new one for at most this long.
MAX_SECRET_GRACE_SECONDS = 86_400


@dataclass(frozen=True)
class WebhookSettings:
    """Where webhooks are kept and queued, how many a tenant may have, how long a delivery
    may take and how long it is retried."""

    endpoints_table: str = "latchkey-webhook-endpoints"
    outbox_table: str = "latchkey-webhook-outbox"
    deliveries_table: str = "latchkey-webhook-deliveries"
    # In AWS: the SQS queue deliveries wait on; empty locally (the make dev worker).
    queue_url: str = ""
    endpoint_limit: int = 10
    # http:// endpoints on a loopback address, for a receiver on the developer's own
    # machine; refused outside the local stage.
    allow_loopback_http: bool = False
    timeout_seconds: float = 5.0
    retry_hours: int = 24

    @classmethod
    def from_env(cls, env: Mapping[str, str], stage: str) -> WebhookSettings:
        """The ``LATCHKEY_WEBHOOK_*`` variables (README, "Webhooks")."""
        default = cls()
        loopback = env.get("LATCHKEY_WEBHOOK_ALLOW_LOOPBACK_HTTP", "").lower() in TRUE
        if loopback and stage != "local":
            raise ValueError(
                "LATCHKEY_WEBHOOK_ALLOW_LOOPBACK_HTTP is only allowed in the local stage"
            )
        limit = int(env.get("LATCHKEY_WEBHOOK_ENDPOINT_LIMIT") or default.endpoint_limit)
        if limit < 1:
            raise ValueError("LATCHKEY_WEBHOOK_ENDPOINT_LIMIT must be at least 1")
        timeout = float(env.get("LATCHKEY_WEBHOOK_TIMEOUT_SECONDS") or default.timeout_seconds)
        if not 0 < timeout <= 30:
            raise ValueError("LATCHKEY_WEBHOOK_TIMEOUT_SECONDS must be above 0 and at most 30")
        return cls(
            endpoints_table=env.get("LATCHKEY_WEBHOOK_ENDPOINTS_TABLE", default.endpoints_table),
            outbox_table=env.get("LATCHKEY_WEBHOOK_OUTBOX_TABLE", default.outbox_table),
            deliveries_table=env.get("LATCHKEY_WEBHOOK_DELIVERIES_TABLE", default.deliveries_table),
            queue_url=env.get("LATCHKEY_WEBHOOK_QUEUE_URL", ""),
            endpoint_limit=limit,
            allow_loopback_http=loopback,
            timeout_seconds=timeout,
            retry_hours=int(env.get("LATCHKEY_WEBHOOK_RETRY_HOURS") or default.retry_hours),
        )
