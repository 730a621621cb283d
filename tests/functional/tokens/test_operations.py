"""Tokens issued are counted (usage, metrics), never leak, and a KMS fault is a 503."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from chalicelib.domain.signing import SigningFailed
from chalicelib.storage.token_keys import TokenKeys
from chalicelib.wiring.services import Services, build_services, set_services
from tests.conftest import Counters
from tests.functional.conftest import json_of, table_snapshot
from tests.functional.tokens.client import (
    assert_error,
    token_request,
    verify,
)
from tests.support.api import Api
from tests.support.clock import FakeClock
from tests.support.secrets import logged
from tests.token_keys import local_keys


def test_usage_counts_the_tokens_issued_per_key_and_day(
    api: Api, key: dict[str, Any], clock: FakeClock
) -> None:
    for _ in range(3):
        assert token_request(api, key).status_code == 200
    clock.advance(seconds=61)  # past LATCHKEY_USAGE_FLUSH_SECONDS: the next one writes all
    assert_error(token_request(api, key, scope="keys:manage"), 400, "invalid_scope")
    report = json_of(api.call("GET", f"/v1/keys/{key['key']['id']}/usage"))
    assert report["tokens_issued"] == 3
    assert report["days"][-1]["tokens_issued"] == 3
    assert report["days"][-1]["allowed"] == 4  # the refused scope still authenticated


def test_a_token_appears_only_in_the_response_that_issued_it(
    api: Api,
    key: dict[str, Any],
    services: Services,
    caplog: pytest.LogCaptureFixture,
    reliability: Counters,
    clock: FakeClock,
) -> None:
    caplog.set_level(logging.DEBUG)
    token = json_of(token_request(api, key))["access_token"]
    answers = [
        verify(api, token=token, route="GET /orders/7"),
        verify(api, token=token, route="DELETE /orders/7"),
        json_of(api.call("GET", f"/v1/keys/{key['key']['id']}/usage")),
        json_of(api.call("GET", "/v1/audit-events")),
    ]
    clock.advance(seconds=61)
    token_request(api, key)  # flushes the usage counts
    signature = token.split(".")[2]
    places = {
        "tables": json.dumps(table_snapshot(services)),
        "logs": logged(caplog),
        "answers": json.dumps(answers),
    }
    leaks = [where for where, text in places.items() if signature in text or token in text]
    reliability.secret_hits += len(leaks)
    assert leaks == []


def test_kms_unreachable_is_503_temporarily_unavailable_and_no_token(
    api: Api,
    key: dict[str, Any],
    services: Services,
    clock: FakeClock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    class Unreachable:
        def key_id(self) -> str:
            return "kid"

        def sign(self, message: bytes) -> bytes:
            raise SigningFailed("Sign failed: EndpointConnectionError")

    published = local_keys().published
    broken = build_services(
        services.settings, clock, token_keys=TokenKeys(Unreachable(), published)
    )
    set_services(broken)
    capsys.readouterr()
    response = token_request(api, key)
    assert response.status_code == 503
    # The request line and the 5xx rate the ApiServerErrorRateAlarm reads.
    (line,) = request_lines(capsys.readouterr().out)
    assert (line["route"], line["status"], line["level"]) == ("POST /oauth2/token", 503, "ERROR")
    assert line["error"] == "SigningFailed"
    assert response.headers["Retry-After"] == "1"
    assert response.headers["Cache-Control"] == "no-store"
    assert json_of(response)["error"] == "temporarily_unavailable"
    document = api.client.http.get("/.well-known/jwks.json")
    assert document.status_code == 200, "the published keys do not need the signer"


def request_lines(out: str) -> list[dict[str, Any]]:
    """The request log lines of ``out`` (prefixed with the request's id)."""
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return [line for line in lines if str(line.get("message")).endswith("request")]


def emf_counts(out: str, name: str) -> list[dict[str, Any]]:
    """The EMF lines of ``out`` that carry the metric ``name``."""
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return [line for line in lines if name in line and "_aws" in line]


def test_each_token_issued_is_counted_and_a_refused_request_is_not(
    api: Api, key: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert token_request(api, key).status_code == 200
    assert token_request(api, {**key, "secret": key["secret"][:-1] + "x"}).status_code == 401

    (counted,) = emf_counts(capsys.readouterr().out, "TokensIssued")
    assert counted["TokensIssued"] in (1, [1])  # Powertools may write a value as a list
    assert key["key"]["id"] not in json.dumps(counted)  # never a key id in a metric
