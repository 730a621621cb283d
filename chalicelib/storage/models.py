"""PynamoDB models of Latchkey's tables (the keys table's in chalicelib/storage/key_model.py).

The same tables are declared in ``infra/template.yaml``; ``tests/infrastructure`` proves the
two agree and the test tables are created from the template. Table names and the endpoint
are bound at run time by :func:`bind_models`, never at import time.
"""

from __future__ import annotations

import botocore.session
from pynamodb.attributes import (
    ListAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.connection import Connection
from pynamodb.indexes import (
    AllProjection,
    GlobalSecondaryIndex,
    KeysOnlyProjection,
)
from pynamodb.models import Model

from chalicelib.config.dynamodb import DynamoDbSettings
from chalicelib.config.settings import Settings
from chalicelib.storage.attributes import ActorAttribute
from chalicelib.storage.key_model import KeyModel, SweepDueIndex
from chalicelib.storage.platform_model import PlatformKeyModel
from chalicelib.storage.sessions import adopt
from chalicelib.storage.webhook_models import (
    WebhookDeliveryModel,
    WebhookEndpointModel,
    WebhookOutboxModel,
)


class GroupModel(Model):
    """An authorization group, scoped to its tenant by the hash key."""

    class Meta:
        table_name = DynamoDbSettings.groups_table

    tenant_id = UnicodeAttribute(hash_key=True)
    group_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    permissions = ListAttribute(of=UnicodeAttribute)
    routes = ListAttribute(of=UnicodeAttribute)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    # Active keys in this group, kept in the same transactions that change them; a group
    # can be deleted only while it is 0.
    key_count = NumberAttribute(default=0)


class TenantStatusIndex(GlobalSecondaryIndex["TenantModel"]):
    """The tenant list: one partition per status, ids in order (the platform API).

    KEYS_ONLY, so the counters' writes (``keys_used`` moves with every key created or
    revoked) never reach it: only a tenant's creation, a status change and its deletion
    write here. A page is a Query per status and one BatchGetItem (docs/table-design.md).
    """

    class Meta:
        index_name = "status-tenant-index"
        projection = KeysOnlyProjection()

    status = UnicodeAttribute(hash_key=True)
    tenant_id = UnicodeAttribute(range_key=True)


class TenantModel(Model):
    """A tenant: its key limit and the live count of keys that can authenticate."""

    class Meta:
        table_name = DynamoDbSettings.tenants_table

    tenant_id = UnicodeAttribute(hash_key=True)
    key_limit = NumberAttribute()
    keys_used = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()
    # Group limit: the operator's limit (absent: the deployment's default) and
    # the live count of groups, moved in the same transactions that create and delete one.
    # A tenant made before the limit has no count yet; its first new group starts it.
    group_limit = NumberAttribute(null=True)
    groups_used = NumberAttribute(null=True)
    # Leaked keys: "revoke" or "notify"; absent means "revoke".
    leak_policy = UnicodeAttribute(null=True)
    # The provider's side: "active", "suspended" or "deleting" (absent on a tenant written
    # before, which reads as active and is listed once backfilled: `latchkey migrate
    # backfill-tenant-status`), and a name for people.
    status = UnicodeAttribute(null=True)
    display_name = UnicodeAttribute(null=True)

    by_status = TenantStatusIndex()


class UsageModel(Model):
    """Per key and UTC day: how many decisions allowed and denied it.

    Written by the authorizer with ``ADD`` (see chalicelib/storage/hotpath.py), read here.
    The same table holds each tenant's daily totals, sharded, under
    ``key_id = "tenant#<tenant id>#<shard>"`` (no ``tenant_id``: they are not a key's);
    GET /v1/usage reads those, so the old tenant-day-index (one hot partition per
    tenant-day) is gone.
    """

    class Meta:
        table_name = DynamoDbSettings.usage_table

    key_id = UnicodeAttribute(hash_key=True)
    day = UnicodeAttribute(range_key=True)  # YYYY-MM-DD, UTC
    tenant_id = UnicodeAttribute(null=True)  # absent on tenant totals
    allowed = NumberAttribute(default=0)
    denied = NumberAttribute(default=0)
    expires = TTLAttribute(null=True)
    # Access tokens issued; absent on days with none.
    tokens_issued = NumberAttribute(null=True)


class IdempotencyModel(Model):
    """A create or rotate request made with an ``Idempotency-Key``: its fingerprint and outcome.

    Never a secret: only the key id the request made, so a replay can point at it.
    """

    class Meta:
        table_name = DynamoDbSettings.idempotency_table

    # "<tenant>#<operation>#<client's Idempotency-Key>"
    id = UnicodeAttribute(hash_key=True)
    # SHA-256 of the operation ("create", "rotate:<key id>") and the body as canonical JSON
    # (sorted keys, so order and spacing do not matter): chalicelib/api/idempotency.py.
    fingerprint = UnicodeAttribute()
    state = UnicodeAttribute()  # "pending" while the first request runs, then "done"
    key_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    expires = TTLAttribute()
    # The claim's fence and lease. Only the request holding ``claim_token`` may
    # complete the record; once ``lease_until`` passes, a pending claim may be taken over.
    claim_token = UnicodeAttribute(null=True)
    lease_until = UTCDateTimeAttribute(null=True)


class TargetIndex(GlobalSecondaryIndex["AuditModel"]):
    """A tenant's audit events about one key or group, newest first."""

    class Meta:
        index_name = "target-index"
        projection = AllProjection()

    target_key = UnicodeAttribute(hash_key=True)  # "<tenant>#<target id>"
    event_key = UnicodeAttribute(range_key=True)


class AuditModel(Model):
    """One audit event, under its tenant, ordered by time."""

    class Meta:
        table_name = DynamoDbSettings.audit_table

    tenant_id = UnicodeAttribute(hash_key=True)
    event_key = UnicodeAttribute(range_key=True)  # "<time ISO>#<event id>"
    target_key = UnicodeAttribute()
    event_id = UnicodeAttribute()
    action = UnicodeAttribute()
    target_type = UnicodeAttribute()
    target_id = UnicodeAttribute()
    actor = ActorAttribute()
    source_ip = UnicodeAttribute(null=True)
    user_agent = UnicodeAttribute(null=True)
    request_id = UnicodeAttribute(null=True)
    at = UTCDateTimeAttribute()
    changes = UnicodeAttribute()  # JSON: {"field": {"before": ..., "after": ...}}
    expires = TTLAttribute()
    # In the platform trail only: the tenant a platform principal's action was about.
    subject_tenant = UnicodeAttribute(null=True)

    by_target = TargetIndex()


MODELS: dict[str, type[Model]] = {
    "KeysTable": KeyModel,
    "GroupsTable": GroupModel,
    "TenantsTable": TenantModel,
    "UsageTable": UsageModel,
    "IdempotencyTable": IdempotencyModel,
    "AuditTable": AuditModel,
    "WebhookEndpointsTable": WebhookEndpointModel,
    "WebhookOutboxTable": WebhookOutboxModel,
    "WebhookDeliveriesTable": WebhookDeliveryModel,
    "PlatformKeysTable": PlatformKeyModel,
}


def table_names(settings: Settings) -> dict[str, str]:
    """The table name of each template resource, for this deployment."""
    return {
        "KeysTable": settings.dynamodb.keys_table,
        "GroupsTable": settings.dynamodb.groups_table,
        "TenantsTable": settings.dynamodb.tenants_table,
        "UsageTable": settings.dynamodb.usage_table,
        "IdempotencyTable": settings.dynamodb.idempotency_table,
        "AuditTable": settings.dynamodb.audit_table,
        "WebhookEndpointsTable": settings.webhooks.endpoints_table,
        "WebhookOutboxTable": settings.webhooks.outbox_table,
        "WebhookDeliveriesTable": settings.webhooks.deliveries_table,
        "PlatformKeysTable": settings.platform.keys_table,
    }


def connection_for(settings: Settings, max_pool_connections: int | None = None) -> Connection:
    """The PynamoDB connection transactions use, with the models' endpoint and timeouts.

    ``max_pool_connections``: for a caller whose threads share it (the sweep).
    """
    return Connection(
        region=settings.region,
        host=settings.dynamodb.endpoint,
        connect_timeout_seconds=settings.dynamodb.connect_timeout_seconds,
        max_retry_attempts=settings.dynamodb.max_retries,
        max_pool_connections=max_pool_connections,
    )


def bind_models(settings: Settings, session: botocore.session.Session | None = None) -> None:
    """Point every model at this deployment's tables and endpoint (and ``session``)."""
    names = table_names(settings)
    for logical_id, model in MODELS.items():
        meta = model.Meta
        meta.table_name = names[logical_id]
        meta.region = settings.region
        meta.host = settings.dynamodb.endpoint
        # Operations: the CLI's short timeouts; None keeps PynamoDB's defaults.
        if settings.dynamodb.connect_timeout_seconds is not None:
            meta.connect_timeout_seconds = settings.dynamodb.connect_timeout_seconds
        if settings.dynamodb.max_retries is not None:
            meta.max_retry_attempts = settings.dynamodb.max_retries
        # PynamoDB caches one connection per model class; drop it so the new Meta applies.
        model._connection = None
        if session is not None:
            adopt(model._get_connection().connection, session)
    # Expiry sweep: the due-index's shard count, the same for writers and sweep.
    SweepDueIndex.shards = settings.sweep.shards
