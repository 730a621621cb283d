"""PynamoDB attribute types shared by more than one of Latchkey's tables."""

from __future__ import annotations

from pynamodb.attributes import MapAttribute, UnicodeAttribute


class ActorAttribute(MapAttribute[str, str]):
    """Who did something: ``type`` (key, user, system), ``id`` and ``name``."""

    type = UnicodeAttribute()
    id = UnicodeAttribute()
    name = UnicodeAttribute()
