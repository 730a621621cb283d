"""PynamoDB models of Latchkey's tables.

The same tables are declared in ``infra/template.yaml``; ``tests/infrastructure`` proves the
two agree and the test tables are created from the template. Table names and the endpoint
are bound at run time by :func:`bind_models`, never at import time.
"""

from __future__ import annotations

import botocore.session
from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    NumberSetAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.connection import Connection
from pynamodb.indexes import (
    AllProjection,
    GlobalSecondaryIndex,
    IncludeProjection,
    KeysOnlyProjection,
)
from pynamodb.models import Model

from chalicelib.settings import Settings
from chalicelib.storage.sessions import adopt


class ActorAttribute(MapAttribute[str, str]):
    """Who did something: ``type`` (key, user, system), ``id`` and ``name``."""

    type = UnicodeAttribute()
    id = UnicodeAttribute()
    name = UnicodeAttribute()


# Key lists (issue 13): a "facet" partition per tenant, status and leak state
# (chalicelib/storage/key_index.py derives ``list_facet`` and ``expiry_sort``). KEYS_ONLY, so
# the authorizer's ``last_used_at`` writes never reach them; a page's keys are then one
# BatchGetItem (chalicelib/storage/key_list.py has the measured figures).
class ListCreatedIndex(GlobalSecondaryIndex["KeyModel"]):
    """A facet's keys by creation time: lists without an expiry filter, newest first."""

    class Meta:
        index_name = "list-created-index"
        projection = KeysOnlyProjection()

    list_facet = UnicodeAttribute(hash_key=True)
    created_sort = UnicodeAttribute(range_key=True)


class ListExpiryIndex(GlobalSecondaryIndex["KeyModel"]):
    """A facet's keys by expiry (keys without one last): lists with an expiry filter."""

    class Meta:
        index_name = "list-expiry-index"
        projection = KeysOnlyProjection()

    list_facet = UnicodeAttribute(hash_key=True)
    expiry_sort = UnicodeAttribute(range_key=True)


# Expiry sweep (issue 13): the attributes the sweep reads from its index beside the keys
# (chalicelib/storage/sweep.py, candidate_from). Never last_used_at: the authorizer's
# writes of it must not reach the index.
SWEEP_READS = (
    "tenant_id",
    "name",
    "group_id",
    "expires_at",
    "created_by",
    "notified_thresholds",
    "counted",
)


class SweepDueIndex(GlobalSecondaryIndex["KeyModel"]):
    """Keys with an expiry warning still to send, by when it is due (sparse: only those keys).

    Issue 13: write-sharded and narrow. ``sweep_shard`` is a stable hash of the key id mod
    ``LATCHKEY_SWEEP_SHARDS`` (chalicelib/storage/sweep.py), so the index's writes spread
    over that many partitions, and a run queries ``sweep_shard = s AND sweep_due <= now``
    for every shard in parallel. It projects only what the sweep reads (SWEEP_READS), so a
    write of anything else (the authorizer's ``last_used_at`` above all) never touches it.
    A new projection needs a new index, hence the name (docs/migrations.md).
    """

    class Meta:
        index_name = "sweep-shard-due-index"
        projection = IncludeProjection(list(SWEEP_READS))

    sweep_shard = UnicodeAttribute(hash_key=True)
    sweep_due = UTCDateTimeAttribute(range_key=True)

    # How many shards writers hash into and the sweep queries; bind_models sets it.
    shards = Settings.sweep_shards


class KeyModel(Model):
    """One API key. ``key_id`` is the hash key, so a verification is one GetItem."""

    class Meta:
        table_name = "latchkey-keys"

    key_id = UnicodeAttribute(hash_key=True)
    tenant_id = UnicodeAttribute()
    # "<created_at ISO>#<key_id>": unique and ordered, so keys created in the same
    # microsecond still page stably.
    created_sort = UnicodeAttribute()
    name = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    group_id = UnicodeAttribute()
    status = UnicodeAttribute()
    expires_at = UTCDateTimeAttribute(null=True)
    ip_allowlist = ListAttribute(of=UnicodeAttribute, null=True)
    created_by = ActorAttribute()
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    hint = UnicodeAttribute()
    secret_hash = UnicodeAttribute()
    pepper_version = NumberAttribute()
    previous_secret_hash = UnicodeAttribute(null=True)
    previous_pepper_version = NumberAttribute(null=True)
    previous_valid_until = UTCDateTimeAttribute(null=True)
    last_used_at = UTCDateTimeAttribute(null=True)
    revoked_at = UTCDateTimeAttribute(null=True)
    revoked_by = ActorAttribute(null=True)
    rotated_at = UTCDateTimeAttribute(null=True)
    # True while the key holds one of its tenant's slots (active and not known expired).
    counted = BooleanAttribute(default=True)
    # The expiry sweep's bookkeeping (chalicelib/storage/sweep.py): when the next warning is
    # due (set only while one is, which keeps sweep-due-index sparse), and the thresholds
    # (days) already warned about.
    sweep_shard = UnicodeAttribute(null=True)
    sweep_due = UTCDateTimeAttribute(null=True)
    notified_thresholds = NumberSetAttribute(null=True)
    # Leaked keys (chalicelib/storage/leaks.py): the latest report's time, source and URL
    # (never the token), and fingerprints of the stored secret hashes that were reported.
    leaked_at = UTCDateTimeAttribute(null=True)
    leak_source = UnicodeAttribute(null=True)
    leak_url = UnicodeAttribute(null=True)
    leaked_secrets = UnicodeSetAttribute(null=True)
    # Key lists (issue 13): "<tenant>#<status>#<leaked|clean>" and "<expiry>#<key id>"
    # (chalicelib/storage/key_index.py); absent on items not yet backfilled.
    list_facet = UnicodeAttribute(null=True)
    expiry_sort = UnicodeAttribute(null=True)

    by_sweep_due = SweepDueIndex()
    by_list_created = ListCreatedIndex()
    by_list_expiry = ListExpiryIndex()


class GroupModel(Model):
    """An authorization group, scoped to its tenant by the hash key."""

    class Meta:
        table_name = "latchkey-groups"

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


class TenantModel(Model):
    """A tenant: its key limit and the live count of keys that can authenticate."""

    class Meta:
        table_name = "latchkey-tenants"

    tenant_id = UnicodeAttribute(hash_key=True)
    key_limit = NumberAttribute()
    keys_used = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()
    # Group limit (issue 11): the operator's limit (absent: the deployment's default) and
    # the live count of groups, moved in the same transactions that create and delete one.
    # A tenant made before the limit has no count yet; its first new group starts it.
    group_limit = NumberAttribute(null=True)
    groups_used = NumberAttribute(null=True)
    # Leaked keys: "revoke" or "notify"; absent means "revoke".
    leak_policy = UnicodeAttribute(null=True)


class UsageModel(Model):
    """Per key and UTC day: how many decisions allowed and denied it.

    Written by the authorizer with ``ADD`` (see chalicelib/storage/hotpath.py), read here.
    Issue 13: the same table holds each tenant's daily totals, sharded, under
    ``key_id = "tenant#<tenant id>#<shard>"`` (no ``tenant_id``: they are not a key's);
    GET /v1/usage reads those, so the old tenant-day-index (one hot partition per
    tenant-day) is gone.
    """

    class Meta:
        table_name = "latchkey-usage"

    key_id = UnicodeAttribute(hash_key=True)
    day = UnicodeAttribute(range_key=True)  # YYYY-MM-DD, UTC
    tenant_id = UnicodeAttribute(null=True)  # absent on tenant totals (issue 13)
    allowed = NumberAttribute(default=0)
    denied = NumberAttribute(default=0)
    expires = TTLAttribute(null=True)
    # Access tokens issued (issue 15); absent on days with none.
    tokens_issued = NumberAttribute(null=True)


class IdempotencyModel(Model):
    """A create or rotate request made with an ``Idempotency-Key``: its fingerprint and outcome.

    Never a secret: only the key id the request made, so a replay can point at it.
    """

    class Meta:
        table_name = "latchkey-idempotency"

    # "<tenant>#<operation>#<client's Idempotency-Key>"
    id = UnicodeAttribute(hash_key=True)
    fingerprint = UnicodeAttribute()  # SHA-256 of the request's method, path and body
    state = UnicodeAttribute()  # "pending" while the first request runs, then "done"
    key_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    expires = TTLAttribute()
    # Issue 11: the claim's fence and lease. Only the request holding ``claim_token`` may
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
        table_name = "latchkey-audit"

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

    by_target = TargetIndex()


MODELS: dict[str, type[Model]] = {
    "KeysTable": KeyModel,
    "GroupsTable": GroupModel,
    "TenantsTable": TenantModel,
    "UsageTable": UsageModel,
    "IdempotencyTable": IdempotencyModel,
    "AuditTable": AuditModel,
}


def table_names(settings: Settings) -> dict[str, str]:
    """The table name of each template resource, for this deployment."""
    return {
        "KeysTable": settings.keys_table,
        "GroupsTable": settings.groups_table,
        "TenantsTable": settings.tenants_table,
        "UsageTable": settings.usage_table,
        "IdempotencyTable": settings.idempotency_table,
        "AuditTable": settings.audit_table,
    }


def connection_for(settings: Settings, max_pool_connections: int | None = None) -> Connection:
    """The PynamoDB connection transactions use, with the models' endpoint and timeouts.

    ``max_pool_connections``: for a caller whose threads share it (the sweep, issue 13).
    """
    return Connection(
        region=settings.region,
        host=settings.dynamodb_endpoint,
        connect_timeout_seconds=settings.dynamodb_connect_timeout_seconds,
        max_retry_attempts=settings.dynamodb_max_retries,
        max_pool_connections=max_pool_connections,
    )


def bind_models(settings: Settings, session: botocore.session.Session | None = None) -> None:
    """Point every model at this deployment's tables and endpoint (and ``session``)."""
    names = table_names(settings)
    for logical_id, model in MODELS.items():
        meta = model.Meta
        meta.table_name = names[logical_id]
        meta.region = settings.region
        meta.host = settings.dynamodb_endpoint
        # Operations (issue 17): the CLI's short timeouts; None keeps PynamoDB's defaults.
        if settings.dynamodb_connect_timeout_seconds is not None:
            meta.connect_timeout_seconds = settings.dynamodb_connect_timeout_seconds
        if settings.dynamodb_max_retries is not None:
            meta.max_retry_attempts = settings.dynamodb_max_retries
        # PynamoDB caches one connection per model class; drop it so the new Meta applies.
        model._connection = None
        if session is not None:
            adopt(model._get_connection().connection, session)
    # Expiry sweep (issue 13): the due-index's shard count, the same for writers and sweep.
    SweepDueIndex.shards = settings.sweep_shards
