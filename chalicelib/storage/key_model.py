"""The keys table: one API key per item, and the indexes its lists and the sweep read.

Declared in ``infra/template.yaml`` too; ``tests/infrastructure`` proves the two agree.
Bound to its table and endpoint by chalicelib/storage/models.py's ``bind_models``.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    NumberSetAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.config.dynamodb import DynamoDbSettings
from chalicelib.config.sweep import SweepSettings
from chalicelib.storage.attributes import ActorAttribute


# Key lists: a "facet" partition per tenant, status and leak state
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


# Expiry sweep: the attributes the sweep reads from its index beside the keys
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

    Write-sharded and narrow. ``sweep_shard`` is a stable hash of the key id mod
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
    shards = SweepSettings.shards


class KeyModel(Model):
    """One API key. ``key_id`` is the hash key, so a verification is one GetItem."""

    class Meta:
        table_name = DynamoDbSettings.keys_table

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
    # Key lists: "<tenant>#<status>#<leaked|clean>" and "<expiry>#<key id>"
    # (chalicelib/storage/key_index.py); absent on items not yet backfilled.
    list_facet = UnicodeAttribute(null=True)
    expiry_sort = UnicodeAttribute(null=True)

    by_sweep_due = SweepDueIndex()
    by_list_created = ListCreatedIndex()
    by_list_expiry = ListExpiryIndex()
