"""Log lines and metrics: the formats CloudWatch reads, and what the authorizer writes.

EMF (CloudWatch's embedded metric format) is checked against its specification's required
fields and against what Powertools writes for the same metric; the JSON log lines against
Powertools' Logger keys. No line may carry a secret's field, and no key or tenant id is
ever a dimension.
"""

from __future__ import annotations

import io
import json
import logging
import re
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import botocore.session
import pytest
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from chalicelib.authorizer.handler import Unauthorized, authorize
from chalicelib.authorizer.runtime import Runtime
from chalicelib.observability import metrics as m
from chalicelib.observability.decisions import DecisionRecord, DecisionTelemetry, decision_line
from chalicelib.observability.log import FIELDS, JsonFormatter, configure, fields
from chalicelib.storage.hotpath import CLIENT_CONFIG, RETRIES, HotStore
from tests.support.events import Shape, event_for
from tests.support.stubbed_store import (
    GROUP_ITEM,
    ROUTE,
    SETTINGS,
    SOURCE,
    Issued,
    new_client,
    runtime_over,
)

UNITS = {"Count", "Milliseconds"}


def assert_emf(line: dict[str, Any]) -> None:
    """The fields the EMF specification requires, each pointing at a root value."""
    meta = line["_aws"]
    assert isinstance(meta["Timestamp"], int)
    assert meta["Timestamp"] > 1_600_000_000_000  # milliseconds, not seconds
    for directive in meta["CloudWatchMetrics"]:
        assert directive["Namespace"] == m.NAMESPACE
        for dimension_set in directive["Dimensions"]:
            assert 1 <= len(dimension_set) <= 30
            for name in dimension_set:
                assert isinstance(line[name], str), name
        for metric in directive["Metrics"]:
            assert metric["Unit"] in UNITS
            value = line[metric["Name"]]  # a number, or (as Powertools writes) a list of them
            values = value if isinstance(value, list) else [value]
            assert values, metric
            assert all(isinstance(each, int | float) for each in values), metric


def with_lines(runtime: Runtime) -> tuple[Runtime, list[dict[str, Any]]]:
    lines: list[dict[str, Any]] = []
    telemetry = DecisionTelemetry(m.AUTHORIZER, "authorizer", lambda t: lines.append(json.loads(t)))
    return replace(runtime, telemetry=telemetry), lines


# --- formats -----------------------------------------------------------------------------


def test_a_decision_line_is_valid_emf_with_the_log_fields_beside_it() -> None:
    record = DecisionRecord("REVOKED", 3.25, "req-1", "acme", "key123", throttles=1)
    line = json.loads(decision_line(m.AUTHORIZER, "authorizer", record))

    assert_emf(line)
    (directive,) = line["_aws"]["CloudWatchMetrics"]
    assert directive["Dimensions"] == [["service", "Outcome"], ["service"]]
    assert {metric["Name"] for metric in directive["Metrics"]} == {
        "Decisions",
        "DecisionLatency",
        "DynamoDBThrottles",
    }
    assert (line["service"], line["Outcome"], line["Decisions"]) == (m.AUTHORIZER, "REVOKED", 1)
    assert (line["level"], line["message"], line["function"]) == (
        "WARNING",
        "decision",
        "authorizer",
    )
    assert (line["request_id"], line["tenant_id"], line["key_id"]) == ("req-1", "acme", "key123")
    assert (line["outcome"], line["duration_ms"]) == ("REVOKED", 3.25)


def test_no_key_or_tenant_id_is_ever_a_dimension() -> None:
    line = json.loads(decision_line(m.API, "api", DecisionRecord("VALID", 1, None, "t", "k")))
    dimensions = {
        name for names in line["_aws"]["CloudWatchMetrics"][0]["Dimensions"] for name in names
    }
    assert dimensions == {"service", "Outcome"}


def test_counters_that_are_zero_are_left_out_and_unknown_fields_are_absent() -> None:
    line = json.loads(decision_line(m.AUTHORIZER, "authorizer", DecisionRecord("MALFORMED", 0.1)))
    names = {metric["Name"] for metric in line["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert names == {"Decisions", "DecisionLatency"}
    assert "key_id" not in line
    assert "tenant_id" not in line


@pytest.mark.parametrize(
    ("outcome", "level"),
    [("VALID", "INFO"), ("NOT_FOUND", "INFO"), ("EXPIRED", "WARNING"), ("FAIL_CLOSED", "ERROR")],
)
def test_a_decision_is_logged_at_the_level_its_outcome_deserves(outcome: str, level: str) -> None:
    line = json.loads(decision_line(m.AUTHORIZER, "authorizer", DecisionRecord(outcome, 1)))
    assert line["level"] == level


def test_our_emf_directive_has_the_shape_powertools_writes() -> None:
    metrics = Metrics(namespace=m.NAMESPACE, service=m.AUTHORIZER)
    metrics.add_dimension(name="Outcome", value="VALID")
    metrics.add_metric(name="Decisions", unit=MetricUnit.Count, value=1)
    theirs: dict[str, Any] = dict(metrics.serialize_metric_set())
    metrics.clear_metrics()
    ours = json.loads(decision_line(m.AUTHORIZER, "authorizer", DecisionRecord("VALID", 1)))

    assert_emf(theirs)
    assert set(ours["_aws"]) == set(theirs["_aws"])
    ours_directive, theirs_directive = (
        ours["_aws"]["CloudWatchMetrics"][0],
        theirs["_aws"]["CloudWatchMetrics"][0],
    )
    assert set(ours_directive) == set(theirs_directive)
    assert set(theirs_directive["Dimensions"][0]) == set(ours_directive["Dimensions"][0])
    assert {"Name": "Decisions", "Unit": "Count"} in theirs_directive["Metrics"]
    assert {"Name": "Decisions", "Unit": "Count"} in ours_directive["Metrics"]


POWERTOOLS_STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\+0000$")


def test_the_standard_library_log_line_has_powertools_keys_and_timestamp() -> None:
    stream = io.StringIO()
    Logger(service="latchkey-test", stream=stream).info("hello", extra={"outcome": "VALID"})
    theirs = json.loads(stream.getvalue())
    record = logging.LogRecord("chalicelib.x", logging.INFO, __file__, 7, "hello", None, None)
    record.outcome = "VALID"
    ours = json.loads(JsonFormatter("latchkey-test", "cli").format(record))

    assert {"level", "location", "message", "timestamp", "service"} <= set(theirs)
    assert {"level", "location", "message", "timestamp", "service"} <= set(ours)
    assert POWERTOOLS_STAMP.match(theirs["timestamp"])
    assert POWERTOOLS_STAMP.match(ours["timestamp"])
    assert (ours["level"], ours["message"], ours["outcome"]) == ("INFO", "hello", "VALID")
    assert ours["function"] == "cli"


def test_a_log_line_carries_only_known_fields() -> None:
    record = logging.LogRecord("chalicelib.x", logging.INFO, __file__, 7, "hi", None, None)
    record.secret = "s3cr3t"
    record.token = "lk_test_abc"
    line = JsonFormatter("latchkey-test", "cli").format(record)
    assert "s3cr3t" not in line
    assert "lk_test_abc" not in line
    with pytest.raises(ValueError, match="not a log field: secret, token"):
        fields(secret="x", token="y")
    assert not {"secret", "token", "pepper", "hash", "secret_hash", "key"} & FIELDS


@pytest.mark.parametrize(
    ("status", "expected"), [(200, "2xx"), (201, "2xx"), (404, "4xx"), (503, "5xx")]
)
def test_a_status_becomes_one_of_five_classes(status: int, expected: str) -> None:
    assert m.status_class(status) == expected


# --- what the authorizer writes ----------------------------------------------------------


def test_every_decision_writes_one_line_with_the_downstream_request_id() -> None:
    client, key = new_client(), Issued()
    from botocore.stub import Stubber

    with Stubber(client) as stubber:
        stubber.add_response("get_item", {"Item": key.key_item()})
        stubber.add_response("get_item", {"Item": GROUP_ITEM})
        runtime, lines = with_lines(runtime_over(lambda: client))
        runtime.usage.flush_all()
        event = event_for(Shape.REST_REQUEST, key.token, ROUTE, SOURCE)
        event["requestContext"]["requestId"] = "downstream-42"
        authorize(event, runtime, invocation_id="lambda-7")

    (line,) = lines
    assert_emf(line)
    assert (line["request_id"], line["outcome"], line["key_id"]) == (
        "downstream-42",
        "VALID",
        key.key_id,
    )
    assert key.secret not in json.dumps(line)
    assert key.token not in json.dumps(line)


def test_a_token_event_is_named_by_the_lambda_request_id() -> None:
    runtime, lines = with_lines(runtime_over(new_client))
    with pytest.raises(Unauthorized):
        authorize(
            event_for(Shape.TOKEN, "not-a-key", ROUTE, SOURCE), runtime, invocation_id="lambda-7"
        )
    assert [(line["request_id"], line["outcome"]) for line in lines] == [("lambda-7", "MALFORMED")]


def test_an_event_of_no_known_shape_is_counted_as_unsupported() -> None:
    runtime, lines = with_lines(runtime_over(new_client))
    with pytest.raises(Unauthorized):
        authorize({"type": "SOMETHING", "methodArn": "nope"}, runtime)
    assert [line["Outcome"] for line in lines] == [m.UNSUPPORTED_EVENT]


class Throttling(BaseHTTPRequestHandler):
    """DynamoDB refusing every call for capacity, as it answers over HTTP."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        body = json.dumps(
            {
                "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                "message": "throttled",
            }
        ).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def throttling_endpoint() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), Throttling)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_a_throttled_decision_fails_closed_and_counts_each_throttle_and_retry(
    throttling_endpoint: str,
) -> None:
    def client() -> Any:
        return botocore.session.get_session().create_client(
            "dynamodb",
            region_name=SETTINGS.region,
            endpoint_url=throttling_endpoint,
            aws_access_key_id="local",
            aws_secret_access_key="local",
            config=CLIENT_CONFIG,
        )

    runtime, lines = with_lines(runtime_over(client))
    store: HotStore = runtime.store
    key = Issued()

    authorize(event_for(Shape.REST_REQUEST, key.token, ROUTE, SOURCE), runtime)

    (line,) = lines
    # botocore makes one attempt per call (CLIENT_CONFIG); HotStore retries a throttled
    # read RETRIES times, so every attempt and retry is counted once.
    assert (CLIENT_CONFIG.retries or {}).get("total_max_attempts") == 1
    attempts = 1 + RETRIES
    assert line["Outcome"] == m.FAIL_CLOSED
    assert line["level"] == "ERROR"
    assert (line["DynamoDBThrottles"], line["DynamoDBRetries"]) == (attempts, attempts - 1)
    assert (store.throttles, store.retries) == (attempts, attempts - 1)


def test_configure_turns_latchkeys_own_log_records_into_json_lines() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        configure("latchkey-test", "test")
        logging.getLogger("chalicelib.somewhere").info(
            "store slow", extra={"request_id": "r-9", "duration_ms": 12.5}
        )
    finally:
        root.removeHandler(handler)

    (line,) = [json.loads(text) for text in stream.getvalue().splitlines()]
    assert (line["level"], line["message"], line["service"]) == (
        "INFO",
        "store slow",
        "latchkey-test",
    )
    assert (line["function"], line["request_id"], line["duration_ms"]) == ("test", "r-9", 12.5)


def test_a_decision_line_that_cannot_be_written_never_changes_the_answer() -> None:
    def broken(line: str) -> None:
        raise OSError("stdout is gone")

    telemetry = DecisionTelemetry(m.AUTHORIZER, "authorizer", broken)
    runtime = replace(runtime_over(new_client), telemetry=telemetry)
    with pytest.raises(Unauthorized):
        authorize(event_for(Shape.TOKEN, "not-a-key", ROUTE, SOURCE), runtime)
