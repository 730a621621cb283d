"""Where Latchkey keeps its records: the DynamoDB endpoint, its tables and the client's patience.

chalicelib/config/settings.py hands :meth:`DynamoDbSettings.from_env` the environment it
reads; nothing here reads ``os.environ``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class DynamoDbSettings:
    """The tables' names, the endpoint, and how long audit records are kept."""

    # DynamoDB Local (or any endpoint); None means the real AWS endpoint.
    endpoint: str | None = None
    keys_table: str = "latchkey-keys"
    groups_table: str = "latchkey-groups"
    tenants_table: str = "latchkey-tenants"
    usage_table: str = "latchkey-usage"
    idempotency_table: str = "latchkey-idempotency"
    audit_table: str = "latchkey-audit"
    # Days an audit record lives before the table's TTL removes it.
    audit_retention_days: int = 400
    # Operations: how long PynamoDB waits to connect and how often it retries.
    # None keeps PynamoDB's defaults (15 s, 3 retries) for the Lambdas; the operator CLI
    # sets them low, so a wrong endpoint fails in seconds with a message, not a minute.
    connect_timeout_seconds: int | None = None
    max_retries: int | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> DynamoDbSettings:
        """``LATCHKEY_DYNAMODB_*``, the ``LATCHKEY_*_TABLE`` names and the audit retention."""
        default = cls()
        return cls(
            endpoint=env.get("LATCHKEY_DYNAMODB_ENDPOINT") or None,
            keys_table=env.get("LATCHKEY_KEYS_TABLE", default.keys_table),
            groups_table=env.get("LATCHKEY_GROUPS_TABLE", default.groups_table),
            tenants_table=env.get("LATCHKEY_TENANTS_TABLE", default.tenants_table),
            usage_table=env.get("LATCHKEY_USAGE_TABLE", default.usage_table),
            idempotency_table=env.get("LATCHKEY_IDEMPOTENCY_TABLE", default.idempotency_table),
            audit_table=env.get("LATCHKEY_AUDIT_TABLE", default.audit_table),
            audit_retention_days=int(
                env.get("LATCHKEY_AUDIT_RETENTION_DAYS", default.audit_retention_days)
            ),
            connect_timeout_seconds=optional_int(
                env.get("LATCHKEY_DYNAMODB_CONNECT_TIMEOUT_SECONDS")
            ),
            max_retries=optional_int(env.get("LATCHKEY_DYNAMODB_MAX_RETRIES")),
        )


def optional_int(text: str | None) -> int | None:
    """An unset or empty variable is None; anything else must be a whole number."""
    return int(text) if text else None
