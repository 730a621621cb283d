"""What the app announces on moto, captured in SQS queues an operator's wiring would feed.

EventBridge delivers events to a queue through a rule (as an operator's rule delivers them
to an API destination); SNS delivers messages to a queue subscription, and to a second one
that filters on the ``tenant_id`` attribute (globex's). The expiry sweep and leaked keys
announce this way, each on its own bus and topic.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3


@dataclass
class Outbox:
    """The queues behind one event rule and one topic."""

    sqs: Any
    events_queue: str
    digest_queue: str
    globex_digest_queue: str

    def _drain(self, url: str) -> list[dict[str, Any]]:
        bodies = []
        while messages := self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            for message in messages:
                bodies.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return bodies

    def events(self) -> list[dict[str, Any]]:
        """Every event delivered since the last call."""
        return self._drain(self.events_queue)

    def digests(self) -> list[dict[str, Any]]:
        """Every SNS notification (envelope) delivered to the unfiltered subscription."""
        return self._drain(self.digest_queue)

    def globex_digests(self) -> list[dict[str, Any]]:
        return self._drain(self.globex_digest_queue)


def _queue(sqs: Any, name: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return url, arn["QueueArn"]


def wire_outbox(
    region: str, bus: str, topic_arn: str, detail_types: list[str], name: str
) -> Outbox:
    """Queues for ``bus``'s events of ``detail_types`` and for ``topic_arn``'s messages."""
    sqs = boto3.client("sqs", region_name=region)
    events = boto3.client("events", region_name=region)
    sns = boto3.client("sns", region_name=region)
    events_url, events_arn = _queue(sqs, f"{name}-events")
    pattern = {"source": ["latchkey"], "detail-type": detail_types}
    events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "queue", "Arn": events_arn}])
    messages_url, messages_arn = _queue(sqs, f"{name}-messages")
    globex_url, globex_arn = _queue(sqs, f"globex-{name}-messages")
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=messages_arn)
    sns.subscribe(
        TopicArn=topic_arn,
        Protocol="sqs",
        Endpoint=globex_arn,
        Attributes={"FilterPolicy": json.dumps({"tenant_id": ["globex"]})},
    )
    return Outbox(sqs, events_url, messages_url, globex_url)
