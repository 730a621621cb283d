"""The operator CLI's DynamoDB client: short timeouts, one retry, and which tables exist.

The CLI is run by a person who waits for it: a wrong endpoint or missing credentials must
fail in seconds with a message (chalicelib/cli/diagnosis.py), not after a minute of retries.
"""

from __future__ import annotations

from typing import Any

from chalicelib.config.settings import Settings
from chalicelib.storage.models import table_names

# The CLI's store calls: fail within seconds, with a message, rather than retry for a minute.
CONNECT_TIMEOUT_SECONDS = 2
MAX_RETRIES = 1


def dynamodb_client(settings: Settings) -> Any:
    """A DynamoDB client with the CLI's short timeouts, from a session of its own.

    Its own session, not boto3's process-wide default: credentials are resolved for this
    run of the command, never inherited from whatever made the default session first.
    """
    from botocore.config import Config

    from chalicelib.storage.sessions import new_session

    config = Config(
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=10,
        retries={"total_max_attempts": MAX_RETRIES + 1, "mode": "standard"},
    )
    return new_session().create_client(
        "dynamodb",
        region_name=settings.region,
        endpoint_url=settings.dynamodb.endpoint,
        config=config,
    )


def absent_tables(settings: Settings) -> list[str]:
    """Which of the settings' tables DescribeTable does not find."""
    client = dynamodb_client(settings)
    missing = []
    for name in table_names(settings).values():
        try:
            client.describe_table(TableName=name)
        except client.exceptions.ResourceNotFoundException:
            missing.append(name)
    return missing
