"""Which notifier a deployment sends through: part of the composition root.

In AWS, EventBridge and SNS (chalicelib/notify/senders.py's :class:`AwsNotifier`, clients made on
first use); against a local store (``LATCHKEY_DYNAMODB_ENDPOINT`` set), memory, so a laptop
never sends to AWS. The expiry sweep and the leak reports each name their own SNS topic.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chalicelib.config.settings import Settings

if TYPE_CHECKING:
    from chalicelib.notify.senders import AwsNotifier, RecordingNotifier


def notifier_for(settings: Settings, topic_arn: str | None) -> AwsNotifier | RecordingNotifier:
    """EventBridge and SNS (``topic_arn``; None: events only) in AWS; memory locally."""
    from chalicelib.notify.senders import AwsNotifier, RecordingNotifier

    if settings.dynamodb.endpoint is not None:
        return RecordingNotifier()

    def client(name: str) -> Callable[[], Any]:
        def make() -> Any:
            import boto3

            return boto3.client(name, region_name=settings.region)

        return make

    return AwsNotifier(settings.event_bus, topic_arn, client("events"), client("sns"))
