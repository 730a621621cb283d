"""Usage routes: per-key and per-tenant daily counts of the authorizer's decisions."""

from __future__ import annotations

from typing import Any

from chalicelib.api.endpoint import Call, Routes
from chalicelib.api.schemas import DayCount, UsageQuery, UsageReport
from chalicelib.storage.usage import DayUsage

routes = Routes(__name__)


def _report(query: UsageQuery, days: list[DayUsage], key_id: str | None) -> UsageReport:
    counts = [
        DayCount(day=d.day, allowed=d.allowed, denied=d.denied, tokens_issued=d.tokens_issued)
        for d in days
    ]
    return UsageReport(
        key_id=key_id,
        from_=query.first(),
        to=query.last(),
        days=counts,
        allowed=sum(d.allowed for d in counts),
        denied=sum(d.denied for d in counts),
        tokens_issued=sum(d.tokens_issued for d in counts),
    )


@routes.route(
    "/v1/keys/{key_id}/usage",
    "GET",
    summary="A key's decisions per day",
    query=UsageQuery,
    response=UsageReport,
    errors=(404, 422),
    tag="usage",
)
def key_usage(call: Call[Any]) -> UsageReport:
    query: UsageQuery = call.query
    key = call.services.keys.get(call.principal.tenant_id, call.params["key_id"])
    days = call.services.usage.for_key(key.key_id, query.first(), query.last())
    return _report(query, days, key.key_id)


@routes.route(
    "/v1/usage",
    "GET",
    summary="The tenant's decisions per day, all keys together",
    query=UsageQuery,
    response=UsageReport,
    errors=(422,),
    tag="usage",
)
def tenant_usage(call: Call[Any]) -> UsageReport:
    query: UsageQuery = call.query
    days = call.services.usage.for_tenant(call.principal.tenant_id, query.first(), query.last())
    return _report(query, days, None)
