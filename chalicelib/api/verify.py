"""``POST /v1/verify``: the authorizer's decision, for services outside API Gateway.

The key in the body is the credential being checked, so the call needs no other; it
answers 200 with ``valid`` and a stable ``code`` whatever the key's state. It reveals a
key's tenant, group and state only to a caller who holds the key's secret.
"""

from __future__ import annotations

import time

from chalicelib.api.endpoint import Call, Routes
from chalicelib.api.operations import Route
from chalicelib.api.schemas import VerifyRequest, VerifyResult
from chalicelib.api.telemetry import request_id_of
from chalicelib.observability.decisions import DecisionRecord

routes = Routes(__name__)


def _verify_token(call: Call[VerifyRequest], token: str) -> VerifyResult:
    """An access token: the authorizer's token decision, with no database read."""
    body = call.body
    tokens = call.services.access_tokens
    if tokens is None:
        return VerifyResult(
            valid=False,
            code="TOKEN_INVALID",
            key_id=None,
            tenant_id=None,
            group_id=None,
            permissions=[],
            expires_at=None,
        )
    access = tokens.checker.check(token, body.source_ip, body.parsed_route())
    grant = access.grant
    return VerifyResult(
        valid=access.valid,
        code=access.outcome.value,
        key_id=grant.client_id if grant else None,
        tenant_id=grant.tenant_id if grant else None,
        group_id=grant.group_id if grant else None,
        permissions=list(grant.scopes) if grant and access.valid else [],
        expires_at=grant.expires_at if grant else None,
    )


@routes.route(
    Route(
        "/v1/verify",
        "POST",
        summary="Is this key (or access token) valid for this route and address, and why not",
        body=VerifyRequest,
        response=VerifyResult,
        errors=(400, 422),
        tag="verify",
        public=True,
    )
)
def verify_key(call: Call[VerifyRequest]) -> VerifyResult:
    body = call.body
    if body.token is not None:
        return _verify_token(call, body.token)
    started = time.perf_counter()
    access = call.services.access.decide(body.key, body.source_ip, body.parsed_route())
    call.services.access.flush_usage(access)
    key, group = access.key, access.group
    call.services.decisions.decided(
        DecisionRecord(
            access.outcome.value,
            (time.perf_counter() - started) * 1000,
            request_id_of(call.context),
            key.tenant_id if key else None,
            key.key_id if key else None,
        )
    )
    return VerifyResult(
        valid=access.valid,
        code=access.outcome.value,
        key_id=key.key_id if key else None,
        tenant_id=key.tenant_id if key else None,
        group_id=key.group_id if key else None,
        permissions=list(group.permissions) if group and access.valid else [],
        expires_at=key.expires_at if key else None,
    )
