"""Usage routes: per-key and per-tenant daily counts of the authorizer's decisions."""

from __future__ import annotations

from chalicelib.api.endpoint import Call, Routes
from chalicelib.api.operations import Route
from chalicelib.api.schemas import DayCount, UsageQuery, UsageReport
from chalicelib.domain import usage_reports

routes = Routes(__name__)


def _out(report: usage_reports.UsageReport) -> UsageReport:
    return UsageReport(
        key_id=report.key_id,
        from_=report.first,
        to=report.last,
        days=[
            DayCount(day=d.day, allowed=d.allowed, denied=d.denied, tokens_issued=d.tokens_issued)
            for d in report.days
        ],
        allowed=report.allowed,
        denied=report.denied,
        tokens_issued=report.tokens_issued,
    )


@routes.route(
    Route(
        "/v1/keys/{key_id}/usage",
        "GET",
        summary="A key's decisions per day",
        query=UsageQuery,
        response=UsageReport,
        errors=(404, 422),
        tag="usage",
    )
)
def key_usage(call: Call[None, UsageQuery]) -> UsageReport:
    query = call.query
    return _out(
        call.services.usage.for_key(
            call.principal.tenant_id, call.params["key_id"], query.from_, query.to
        )
    )


@routes.route(
    Route(
        "/v1/usage",
        "GET",
        summary="The tenant's decisions per day, all keys together",
        query=UsageQuery,
        response=UsageReport,
        errors=(422,),
        tag="usage",
    )
)
def tenant_usage(call: Call[None, UsageQuery]) -> UsageReport:
    query = call.query
    return _out(call.services.usage.for_tenant(call.principal.tenant_id, query.from_, query.to))
