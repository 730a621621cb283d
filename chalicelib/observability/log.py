"""JSON log lines, one object per line, in the shape Powertools' ``Logger`` writes.

The management API and the sweep log with Powertools (chalicelib/observability/toolkit.py);
the authorizer and the CLI use :class:`JsonFormatter`, standard library only, which writes
the same keys: ``level``, ``location``, ``message``, ``timestamp``, ``service``, then
``function`` and the fields of :data:`FIELDS` that a line knows.

A log line may carry only the fields named in :data:`FIELDS`: ids, an outcome, a route, a
status, a duration, counts. None of them can hold a secret, a token, a pepper or a hash,
and :func:`fields` refuses any other name, so a new field is a decision made here.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

FIELDS = frozenset(
    {
        "function",
        "request_id",
        "tenant_id",
        "key_id",
        "outcome",
        "duration_ms",
        "route",
        "status",
        "error",
        "examined",
        "sent",
        "released",
        "digests_failed",
        "finished",
    }
)
# Loggers of Latchkey's own modules: "chalicelib.*" (Chalice silences its app's logger).
PACKAGE_LOGGER = "chalicelib"


def fields(**values: object) -> dict[str, object]:
    """The ``extra`` of a log call: only known field names, and only the values known."""
    unknown = set(values) - FIELDS
    if unknown:
        raise ValueError(f"not a log field: {', '.join(sorted(unknown))}")
    return {name: value for name, value in values.items() if value is not None}


def _timestamp(created: float) -> str:
    # Powertools' default: "2026-11-28 04:48:54,139+0000".
    seconds = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(created))
    return f"{seconds},{int(created % 1 * 1000):03d}+0000"


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object (Powertools' keys, Latchkey's fields)."""

    def __init__(self, service: str, function: str) -> None:
        super().__init__()
        self.service = service
        self.function = function

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "level": record.levelname,
            "location": f"{record.funcName}:{record.lineno}",
            "message": record.getMessage(),
            "timestamp": _timestamp(record.created),
            "service": self.service,
            "function": self.function,
        }
        for name in FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                line[name] = value
        if record.exc_info and record.exc_info[0] is not None:
            line["exception_name"] = record.exc_info[0].__name__
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, separators=(",", ":"), default=str)


def configure(service: str, function: str, level: int = logging.INFO) -> None:
    """Send Latchkey's log records through :class:`JsonFormatter`, at ``level`` and up.

    In Lambda the runtime's handler on the root logger writes to CloudWatch; it gets the
    formatter. Elsewhere (the CLI) a stderr handler is added, so stdout stays the output.
    """
    formatter = JsonFormatter(service, function)
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler(sys.stderr))
    for handler in root.handlers:
        handler.setFormatter(formatter)
    logging.getLogger(PACKAGE_LOGGER).setLevel(level)
