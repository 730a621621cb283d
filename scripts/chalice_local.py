"""``chalice local`` for ``make dev``, with the shell's ``LATCHKEY_*`` variables on top.

``chalice local --stage local`` sets the stage's ``environment_variables`` over whatever
the shell exported, so ``LATCHKEY_GROUP_CACHE_SECONDS=5 make dev`` would be ignored. This
serves the app exactly as ``chalice local`` does (its factory, config and server), passing
the shell's ``LATCHKEY_*`` values as user-provided parameters, which Chalice merges last.

The terminal is a person's: one readable line per request (method, path, status, ms,
request id) and the app's warnings as plain text, instead of Lambda's JSON log line and
EMF metric lines. ``--log-format json`` prints those lines as Lambda would. Either way,
botocore's "Found credentials" and PynamoDB's "Override settings" notices stay out.

    python -m scripts.chalice_local HOST PORT [text|json]
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from collections.abc import Mapping
from functools import partial
from typing import Any, TextIO

from chalice.cli.factory import CLIFactory
from chalice.local import ChaliceRequestHandler

from scripts.dynamodb_local import REPO_ROOT

STAGE = "local"
# Their INFO lines say nothing a developer acts on: botocore's "Found credentials in
# environment variables", PynamoDB's "Override settings for pynamo not available".
QUIET_LOGGERS = ("botocore", "pynamodb")


def shell_overrides(environ: Mapping[str, str]) -> dict[str, str]:
    """The ``LATCHKEY_*`` variables of ``environ``: they win over the stage's values."""
    return {name: value for name, value in environ.items() if name.startswith("LATCHKEY_")}


class ReadableRequests(ChaliceRequestHandler):
    """Chalice's request handler, writing one line per request to ``terminal``."""

    terminal: TextIO = sys.stdout

    def parse_request(self) -> bool:
        self._started = time.perf_counter()
        self._status = 0
        self._request_id = "-"
        return bool(super().parse_request())

    def send_response(self, code: int, message: str | None = None) -> None:
        self._status = code
        super().send_response(code, message)

    def send_header(self, keyword: str, value: str) -> None:
        if keyword.lower() == "x-request-id":
            self._request_id = value
        super().send_header(keyword, value)

    def end_headers(self) -> None:
        # Before the headers leave: a client has its answer once they have.
        took = (time.perf_counter() - self._started) * 1000
        line = f"{self.command} {self.path} {self._status} {took:.0f} ms {self._request_id}"
        print(line, file=self.terminal, flush=True)
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """http.server's access line: the line above replaces it."""


class ReadableOutput:
    """The app's stdout for a person: JSON log lines as ``LEVEL message``; the request
    lines (the handler writes its own) and EMF metric lines left out; other text as is."""

    def __init__(self, terminal: TextIO) -> None:
        self._terminal = terminal
        self._pending = threading.local()  # the server answers each request on a thread

    def write(self, text: str) -> int:
        pending = getattr(self._pending, "text", "") + text
        *lines, self._pending.text = pending.split("\n")
        for line in lines:
            shown = readable(line)
            if shown is not None:
                self._terminal.write(shown + "\n")
        self._terminal.flush()
        return len(text)

    def flush(self) -> None:
        self._terminal.flush()


def readable(line: str) -> str | None:
    """What a person sees of one line the app printed (None: nothing)."""
    if not line.startswith("{"):
        return line
    try:
        record = json.loads(line)
    except ValueError:
        return line
    if not isinstance(record, dict) or "level" not in record:
        return None  # an EMF metric line
    message = str(record.get("message", ""))
    if message.endswith(": request") or message == "request":
        return None  # the request's own line, which ReadableRequests writes
    return f"{record['level']} {message}"


def main(host: str, port: int, log_format: str = "text") -> None:
    factory = CLIFactory(str(REPO_ROOT), environ=os.environ)
    config = factory.create_config_obj(
        chalice_stage_name=STAGE,
        user_provided_params={"environment_variables": shell_overrides(os.environ)},
    )
    server = factory.create_local_server(config.chalice_app, config, host, port)
    if log_format == "text":
        ReadableRequests.terminal = sys.stdout
        sys.stdout = ReadableOutput(sys.stdout)
        # The server's own handler, made with the same arguments as chalice local makes it.
        server.server.RequestHandlerClass = partial(
            ReadableRequests, app_object=config.chalice_app, config=config
        )
    # As `chalice local` does: the app's log lines on stdout, as Lambda would show them.
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), *sys.argv[3:4])
