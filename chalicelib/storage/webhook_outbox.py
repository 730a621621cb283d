"""The webhook outbox: an item written in the same transaction as the change it announces.

:func:`add_message` is called by ``AuditWriter.add`` for every audit event whose action is
a webhook type (chalicelib/domain/webhooks.py ``FROM_AUDIT``), so a change is never
committed without its announcement nor announced without its change. Code that records
other facts tenants subscribe to (a tenant suspended or resumed) either writes its audit
event through ``AuditWriter.add`` or calls :func:`emit` on its own transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from chalicelib.domain.records import AuditEvent
from chalicelib.domain.webhooks import Message, message_of
from chalicelib.storage.errors import storage_errors
from chalicelib.storage.transaction import Transaction
from chalicelib.storage.webhook_models import WebhookOutboxModel

# Long enough to replay the outbox after a relay outage of several days.
OUTBOX_RETENTION = timedelta(days=7)


def add_message(tx: Transaction, message: Message) -> None:
    """Write ``message`` into the outbox as part of ``tx`` (named "outbox")."""
    item = WebhookOutboxModel(
        message.event_id,
        tenant_id=message.tenant_id,
        event_type=message.event_type,
        at=message.at,
        body=message.body,
        expires=message.at + OUTBOX_RETENTION,
    )
    tx.save("outbox", item, WebhookOutboxModel.event_id.does_not_exist())


def emit(tx: Transaction, event: AuditEvent) -> bool:
    """Announce ``event`` to the tenant's webhooks in ``tx`` if its action is a webhook type."""
    message = message_of(event)
    if message is None:
        return False
    add_message(tx, message)
    return True


def message_from(item: WebhookOutboxModel) -> Message:
    return Message(item.event_id, item.tenant_id, item.event_type, item.at, item.body)


def message_from_image(image: dict[str, dict[str, str]]) -> Message:
    """A message from a DynamoDB stream record's ``NewImage`` (the relay in AWS)."""
    return message_from(WebhookOutboxModel.from_raw_data(image))


def pending(limit: int = 100) -> Iterator[Message]:
    """Outbox items not relayed yet (make dev's worker: a Scan of a small local table)."""
    with storage_errors():
        for item in WebhookOutboxModel.scan(limit=limit):
            yield message_from(item)


def relayed(message: Message) -> None:
    """make dev's worker: the message has its deliveries; drop it from the outbox."""
    with storage_errors():
        WebhookOutboxModel(message.event_id).delete()
