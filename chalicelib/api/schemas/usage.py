"""Query and response models of the usage routes."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from chalicelib.api.schemas.common import Day, Model, Strict


class UsageQuery(Strict):
    """``from`` and ``to`` are UTC days, inclusive; default: the last 30 days.

    "from" may not be after "to", and the range spans at most 366 days (checked with the
    service's clock in chalicelib/domain/usage_reports.py, DayRange).
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: Day | None = Field(
        default=None,
        alias="from",
        description="First UTC day, inclusive. Omit: the 30 days ending at `to`.",
    )
    to: Day | None = Field(
        default=None,
        description="Last UTC day, inclusive. Omit: today. At most 366 days after `from`.",
    )


class DayCount(Model):
    day: str
    allowed: int
    denied: int
    tokens_issued: int = 0  # access tokens issued for the key


class UsageReport(Model):
    """Decisions the authorizer and ``/v1/verify`` made, written behind (see README)."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    key_id: str | None
    from_: str = Field(alias="from")
    to: str
    days: list[DayCount]
    allowed: int
    denied: int
    tokens_issued: int = 0
