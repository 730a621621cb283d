"""One line per access decision: the log record and its metrics, in one EMF object.

The authorizer and ``POST /v1/verify`` write it for every decision. It is a log line
(``level``, ``message``, ``function``, ``request_id``, ``tenant_id``, ``key_id``,
``outcome``, ``duration_ms``) and, because it holds an ``_aws`` directive, CloudWatch also
takes ``Decisions`` and ``DecisionLatency`` from it, by ``service`` and ``Outcome``. One
small ``json.dumps`` per decision, no state kept between them. Standard library only.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass

from chalicelib.observability import metrics as m

Write = Callable[[str], object]

DIMENSION_SETS = ((m.SERVICE_DIMENSION, m.OUTCOME_DIMENSION), (m.SERVICE_DIMENSION,))
# Outcomes logged as warnings: the caller presented a real key that was refused, or the
# service could not decide. A malformed or unknown key is routine noise on a public API.
WARN_OUTCOMES = frozenset({"REVOKED", "EXPIRED", "IP_NOT_ALLOWED", "ROUTE_NOT_ALLOWED"})


@dataclass(frozen=True)
class DecisionRecord:
    """What one decision line says."""

    outcome: str
    duration_ms: float
    request_id: str | None = None
    tenant_id: str | None = None
    key_id: str | None = None
    throttles: int = 0
    retries: int = 0
    usage_failures: int = 0


def _level(outcome: str) -> str:
    if outcome == m.FAIL_CLOSED:
        return "ERROR"
    return "WARNING" if outcome in WARN_OUTCOMES else "INFO"


def decision_line(service: str, function: str, record: DecisionRecord) -> str:
    """The EMF line for ``record``; counters that are 0 are left out (no empty datapoints)."""
    values: dict[str, tuple[float, str]] = {
        m.DECISIONS: (1, "Count"),
        m.DECISION_LATENCY: (round(record.duration_ms, 3), "Milliseconds"),
    }
    for name, count in (
        (m.DYNAMODB_THROTTLES, record.throttles),
        (m.DYNAMODB_RETRIES, record.retries),
        (m.USAGE_FLUSH_FAILURES, record.usage_failures),
    ):
        if count:
            values[name] = (count, "Count")
    properties = {
        "level": _level(record.outcome),
        "message": "decision",
        "function": function,
        "request_id": record.request_id,
        "tenant_id": record.tenant_id,
        "key_id": record.key_id,
        "outcome": record.outcome,
        "duration_ms": round(record.duration_ms, 3),
    }
    present = {name: value for name, value in properties.items() if value is not None}
    dimensions = {m.SERVICE_DIMENSION: service, m.OUTCOME_DIMENSION: record.outcome}
    return m.emf_line(dimensions, DIMENSION_SETS, values, present)


def stdout(line: str) -> None:
    """Lambda sends a function's stdout to CloudWatch Logs, where EMF is read."""
    print(line)


class DecisionTelemetry:
    """Writes each decision's line for one function (``service``) through ``write``."""

    def __init__(self, service: str, function: str, write: Write = stdout) -> None:
        self.service = service
        self.function = function
        self._write = write

    def decided(self, record: DecisionRecord) -> None:
        # A line that cannot be written (stdout gone) never changes an answer.
        with suppress(Exception):
            self._write(decision_line(self.service, self.function, record))
