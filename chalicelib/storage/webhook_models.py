"""PynamoDB models of the webhook tables: endpoints, the outbox, deliveries.

Declared in ``infra/template.yaml`` beside the other tables (tests/infrastructure proves
they agree). No attribute holds a signing secret in the clear: ``sealed_secret`` is
AES-GCM under a key derived from the pepper (chalicelib/domain/webhook_secrets.py).
"""

from __future__ import annotations

from pynamodb.attributes import (
    ListAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.models import Model

# The endpoints table holds, beside a tenant's endpoints ("wh_..."), one item counting
# them, moved in the same transactions that create and delete one (the limit).
COUNT_ITEM = "#count"
ENDPOINT_PREFIX = "wh_"


class WebhookEndpointModel(Model):
    class Meta:
        table_name = "latchkey-webhook-endpoints"

    tenant_id = UnicodeAttribute(hash_key=True)
    endpoint_id = UnicodeAttribute(range_key=True)  # "wh_<hex>", or COUNT_ITEM
    url = UnicodeAttribute(null=True)
    events = ListAttribute(of=UnicodeAttribute, null=True)
    description = UnicodeAttribute(null=True)
    status = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(null=True)
    sealed_secret = UnicodeAttribute(null=True)
    sealed_previous = UnicodeAttribute(null=True)
    previous_valid_until = UTCDateTimeAttribute(null=True)
    disabled_at = UTCDateTimeAttribute(null=True)
    disabled_reason = UnicodeAttribute(null=True)
    used = NumberAttribute(null=True)  # on COUNT_ITEM only


class WebhookOutboxModel(Model):
    """One event to announce, written in the transaction of the change it records.

    In AWS the table's stream (new images) feeds the relay; make dev's worker reads and
    deletes the items instead. Kept a week (TTL) so a relay outage can be replayed.
    """

    class Meta:
        table_name = "latchkey-webhook-outbox"

    event_id = UnicodeAttribute(hash_key=True)
    tenant_id = UnicodeAttribute()
    event_type = UnicodeAttribute()
    at = UTCDateTimeAttribute()
    body = UnicodeAttribute()
    expires = TTLAttribute()


class WebhookDeliveryModel(Model):
    """One message to one endpoint: its attempts and the next one, never shown with its body."""

    class Meta:
        table_name = "latchkey-webhook-deliveries"

    endpoint_key = UnicodeAttribute(hash_key=True)  # "<tenant>#<endpoint id>"
    sort_key = UnicodeAttribute(range_key=True)  # "<created ISO>#<message id>"
    tenant_id = UnicodeAttribute()
    endpoint_id = UnicodeAttribute()
    message_id = UnicodeAttribute()
    event_type = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    body = UnicodeAttribute()
    state = UnicodeAttribute()
    attempts = UnicodeAttribute(default="[]")  # JSON list of attempts
    attempt_count = NumberAttribute(default=0)
    next_attempt_at = UTCDateTimeAttribute(null=True)
    # The claim of the attempt in progress: only its holder records the outcome.
    claim_token = UnicodeAttribute(null=True)
    lease_until = UTCDateTimeAttribute(null=True)
    expires = TTLAttribute()
