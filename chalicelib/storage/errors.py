"""Turns PynamoDB and botocore failures into domain errors, in one place."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import PynamoDBException

from chalicelib.domain.errors import StorageUnavailable

CONDITION_FAILED = "ConditionalCheckFailedException"


def is_condition_failure(error: PynamoDBException) -> bool:
    """True when a single-item write failed its condition.

    Not ``error.cause_response_code``: it raises AttributeError when the cause carries no
    response at all (a timeout), which turned a timed-out claim into a 500.
    """
    response = getattr(error.cause, "response", None) or {}
    return bool(response.get("Error", {}).get("Code") == CONDITION_FAILED)


@contextmanager
def storage_errors() -> Iterator[None]:
    """Let domain errors through; turn any unexpected store failure into StorageUnavailable.

    Callers catch the condition failures they expect inside this block first.
    """
    try:
        yield
    except (PynamoDBException, ClientError, BotoCoreError) as error:
        code = getattr(error, "cause_response_code", None) or type(error).__name__
        raise StorageUnavailable(f"the key store did not answer ({code})") from error
