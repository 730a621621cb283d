"""Leaked keys: GitHub's secret scanning partner endpoint and the public report endpoint.

Neither takes an API key. GitHub's requests are authenticated by their signature, checked
over the raw body before anything is parsed or read (chalicelib/identity/github_keys.py).
``POST /v1/leaks`` needs nothing: holding the token is the proof, and the answer is the same
202 whatever the token was. What happens to a real leak: chalicelib/domain/leaks.py.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

from chalicelib.api.endpoint import AnyCall, Call, Routes
from chalicelib.api.operations import Route
from chalicelib.api.problems import MalformedBody, PayloadTooLarge
from chalicelib.api.schemas.leaks import (
    GITHUB_MAX_BODY_BYTES,
    GitHubFeedback,
    GitHubLabel,
    GitHubReport,
    LeakReceipt,
    LeakReport,
)
from chalicelib.domain.errors import Unauthenticated

# For types only; loaded when a request needs them.
if TYPE_CHECKING:
    from chalicelib.domain.leaks import LeakService

routes = Routes(__name__)
KEY_ID_HEADER = "Github-Public-Key-Identifier"
SIGNATURE_HEADER = "Github-Public-Key-Signature"
# Text, not a LeakReceipt: a model instance made at import would build its validator then,
# on every cold start.
RECEIPT = "Thank you. If this is a live key, its owner has been told and it is being handled."


def _leaks(call: AnyCall) -> LeakService:
    leaks = call.services.leaks
    assert leaks is not None, "build_services always builds the leak service"
    return leaks


def _signed_report(call: AnyCall) -> GitHubReport:
    """The batch, once its signature is proven; nothing is parsed before that."""
    body = call.raw_body
    if len(body) > GITHUB_MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the body is larger than {GITHUB_MAX_BODY_BYTES} bytes")
    github = call.services.github
    headers = call.headers
    if github is None or not github.verify(
        headers.get(KEY_ID_HEADER.lower()), headers.get(SIGNATURE_HEADER.lower()), body
    ):
        raise Unauthenticated("a valid GitHub secret scanning signature is required")
    try:
        data = json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):
        raise MalformedBody("the request body is not valid UTF-8 JSON") from None
    if not isinstance(data, list):
        raise MalformedBody("the request body must be a JSON array")
    return GitHubReport.model_validate(data)


@routes.route(
    Route(
        "/v1/secret-scanning/github",
        "POST",
        summary="GitHub secret scanning: label each reported token, act on live ones",
        signed_body=GitHubReport,
        headers=(KEY_ID_HEADER, SIGNATURE_HEADER),
        response=GitHubFeedback,
        errors=(400, 401, 413, 422),
        tag="leaks",
        public=True,
    )
)
def github_report(call: Call) -> GitHubFeedback:
    from chalicelib.domain.leaks import Report

    report = _signed_report(call)
    leaks = _leaks(call)
    labels = []
    for item in report.root:
        source = f"github:{item.source}" if item.source else "github"
        label = leaks.report(Report(item.token, source, item.url), call.origin)
        labels.append(
            GitHubLabel(
                token_hash=hashlib.sha256(item.token.encode()).hexdigest(),
                token_type=item.type,
                label=label.value,
            )
        )
    return GitHubFeedback(labels)


@routes.route(
    Route(
        "/v1/leaks",
        "POST",
        summary="Report a key found in public; the same answer whether or not it was live",
        body=LeakReport,
        response=LeakReceipt,
        status=202,
        errors=(400, 422),
        tag="leaks",
        public=True,
    )
)
def report_leak(call: Call[LeakReport]) -> LeakReceipt:
    from chalicelib.domain.leaks import Report

    body = call.body
    _leaks(call).report(Report(body.token, "report", body.url), call.origin)
    return LeakReceipt(detail=RECEIPT)
