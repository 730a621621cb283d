"""Query and response models of the usage routes."""

from __future__ import annotations

from datetime import UTC, date, datetime

from pydantic import (
    ConfigDict,
    Field,
    model_validator,
)

from chalicelib.api.schemas.common import Day, Model, Strict


class UsageQuery(Strict):
    """``from`` and ``to`` are UTC days, inclusive; default: the last 30 days."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: Day | None = Field(default=None, alias="from")
    to: Day | None = None

    @model_validator(mode="after")
    def _check_range(self) -> UsageQuery:
        # Defaults included: "from" alone may lie after today, the default "to".
        if self.first_day() > self.last_day():
            raise ValueError("from must not be after to")
        # Inclusive: from 2025-01-01 to 2026-01-01 is 366 days, a difference of 365.
        if (self.last_day() - self.first_day()).days + 1 > 366:
            raise ValueError("the range may span at most 366 days")
        return self

    def last_day(self) -> date:
        return self.to or datetime.now(UTC).date()

    def first_day(self) -> date:
        # Never before date.min: "to" may be 0001-01-01.
        return self.from_ or date.fromordinal(max(1, self.last_day().toordinal() - 29))

    def first(self) -> str:
        return self.first_day().isoformat()

    def last(self) -> str:
        return self.last_day().isoformat()


class DayCount(Model):
    day: str
    allowed: int
    denied: int
    tokens_issued: int = 0  # access tokens issued for the key (issue 15)


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
