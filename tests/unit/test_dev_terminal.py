"""``make dev``'s terminal: one readable line per request, the app's warnings as text, and
none of Lambda's JSON or EMF lines unless asked for (``--log-format json``)."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from functools import partial

import pytest
from chalice.cli.factory import CLIFactory
from chalice.local import LocalDevServer

from scripts.chalice_local import STAGE, ReadableOutput, ReadableRequests, readable
from scripts.dev import stage_environment
from scripts.dynamodb_local import REPO_ROOT

REQUEST_LINE = {
    "level": "INFO",
    "message": "request 1f3e: request",
    "route": "GET /console",
    "status": 200,
}
EMF_LINE = {"_aws": {"CloudWatchMetrics": []}, "ApiRequests": 1, "service": "latchkey-api"}


def test_a_request_line_and_an_emf_line_print_nothing_and_a_warning_prints_as_text() -> None:
    assert readable(json.dumps(REQUEST_LINE)) is None
    assert readable(json.dumps(EMF_LINE)) is None
    warning = {"level": "WARNING", "message": "request 1f3e: usage write failed"}
    assert readable(json.dumps(warning)) == "WARNING request 1f3e: usage write failed"
    assert readable("Serving on http://127.0.0.1:8000") == "Serving on http://127.0.0.1:8000"


def test_lines_written_in_pieces_are_judged_whole() -> None:
    terminal = io.StringIO()
    output = ReadableOutput(terminal)
    output.write(json.dumps(EMF_LINE)[:10])
    output.write(json.dumps(EMF_LINE)[10:])
    output.write("\n")
    output.write("plain text\n")
    assert terminal.getvalue() == "plain text\n"


@pytest.fixture
def served() -> Iterator[tuple[str, io.StringIO]]:
    """The app under chalice local's server with the readable handler, on a free port."""
    factory = CLIFactory(str(REPO_ROOT))
    config = factory.create_config_obj(chalice_stage_name=STAGE)
    server = LocalDevServer(config.chalice_app, config, "127.0.0.1", 0)
    terminal = io.StringIO()
    handler = type("Handler", (ReadableRequests,), {"terminal": terminal})
    server.server.RequestHandlerClass = partial(
        handler, app_object=config.chalice_app, config=config
    )
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server.server_address[1]}", terminal
    server.server.shutdown()
    server.server.server_close()


def test_each_request_prints_method_path_status_milliseconds_and_request_id(
    served: tuple[str, io.StringIO],
) -> None:
    url, terminal = served
    with urllib.request.urlopen(f"{url}/openapi.json", timeout=10) as response:  # noqa: S310
        request_id = response.headers["X-Request-Id"]
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(f"{url}/favicon.ico", timeout=10)  # noqa: S310 - no such route

    opened, missing = terminal.getvalue().splitlines()
    method, path, status, took, unit, named = opened.split(" ")
    assert (method, path, status, unit, named) == ("GET", "/openapi.json", "200", "ms", request_id)
    assert int(took) >= 0
    assert missing.startswith("GET /favicon.ico 403 ")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _serve_and_ask(log_format: str, path: str) -> tuple[str, str]:
    """Run ``make dev``'s server, ask it ``path`` once; its stdout and the request id."""
    port = _free_port()
    env = {**os.environ, **stage_environment()}
    command = [sys.executable, "-m", "scripts.chalice_local", "127.0.0.1", str(port), log_format]
    server = subprocess.Popen(
        command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as answer:
                    request_id = str(answer.headers["X-Request-Id"])
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    return output, request_id


def test_make_devs_terminal_shows_one_line_per_request_and_no_json_or_notices() -> None:
    output, request_id = _serve_and_ask("text", "/openapi.json")
    lines = [line for line in output.splitlines() if line.strip()]
    requests = [line for line in lines if line.startswith("GET ")]
    assert len(requests) == 1
    assert requests[0].startswith("GET /openapi.json 200 ")
    assert requests[0].endswith(f" ms {request_id}")
    assert not [line for line in lines if line.startswith("{")]
    assert "Found credentials" not in output
    assert "Override settings" not in output


def test_with_log_format_json_the_terminal_shows_lambdas_lines() -> None:
    output, request_id = _serve_and_ask("json", "/openapi.json")
    records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    (request,) = [record for record in records if record.get("route") == "GET /openapi.json"]
    assert request["request_id"] == request_id
    assert any("_aws" in record for record in records)
