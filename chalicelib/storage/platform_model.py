"""The platform keys table: one platform key per item, ``key_id`` its hash key.

Declared in ``infra/template.yaml`` too (PlatformKeysTable). Only the management API's
role may read it; the authorizer's role has no grant on it at all.
"""

from __future__ import annotations

from pynamodb.attributes import (
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.models import Model

from chalicelib.storage.attributes import ActorAttribute


class PlatformKeyModel(Model):
    """A platform key, never its secret: an HMAC of it and the pepper's version."""

    class Meta:
        table_name = "latchkey-platform-keys"

    key_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    permissions = ListAttribute(of=UnicodeAttribute)
    status = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    created_by = ActorAttribute()
    hint = UnicodeAttribute()
    secret_hash = UnicodeAttribute()
    pepper_version = NumberAttribute()
    revoked_at = UTCDateTimeAttribute(null=True)
    revoked_by = ActorAttribute(null=True)
