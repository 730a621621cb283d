"""What one expiry sweep run logs and measures, with Powertools (never on the authorizer).

One JSON log line per run and one EMF set: warnings sent and released (EventBridge refused
them; the next run sends them), digests that failed (SNS), keys examined, the run's
duration, whether it reached the end of the due keys, and whether it raised. A run that
raises is also retried by Lambda and then sent to the sweep's on-failure queue
(infra/template.yaml, SweepFailures).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.observability import metrics as m
from chalicelib.observability import toolkit
from chalicelib.observability.log import fields

if TYPE_CHECKING:
    from chalicelib.domain.sweep_report import SweepReport


def _flush(values: dict[str, float]) -> None:
    metrics = toolkit.metrics(m.SWEEP)
    for name, value in values.items():
        unit = "Milliseconds" if name == m.SWEEP_DURATION else "Count"
        metrics.add_metric(name=name, unit=unit, value=value)
    metrics.flush_metrics()


def record_run(report: SweepReport, duration_ms: float, request_id: str | None) -> None:
    """A run that returned: finished, or stopped early to continue next time."""
    sent = 0 if report.dry_run else report.crossed
    problems = report.released or report.digests_failed
    (toolkit.logger(m.SWEEP).warning if problems else toolkit.logger(m.SWEEP).info)(
        "sweep run",
        extra=fields(
            function="sweep",
            request_id=request_id,
            outcome="stopped_early" if report.stopped_early else "finished",
            duration_ms=round(duration_ms, 3),
            examined=report.examined,
            sent=sent,
            released=report.released,
            digests_failed=report.digests_failed,
            finished=not report.stopped_early,
        ),
    )
    _flush(
        {
            m.SWEEP_WARNINGS_SENT: sent,
            m.SWEEP_WARNINGS_RELEASED: report.released,
            m.SWEEP_DIGESTS_FAILED: report.digests_failed,
            m.SWEEP_KEYS_EXAMINED: report.examined,
            m.SWEEP_DURATION: round(duration_ms, 3),
            m.SWEEP_FINISHED: int(not report.stopped_early),
            m.SWEEP_FAILED: 0,
        }
    )


def record_failure(error: BaseException, duration_ms: float, request_id: str | None) -> None:
    """A run that raised: its type only (a message could quote a store's answer)."""
    toolkit.logger(m.SWEEP).error(
        "sweep run failed",
        extra=fields(
            function="sweep",
            request_id=request_id,
            outcome="failed",
            duration_ms=round(duration_ms, 3),
            error=type(error).__name__,
            finished=False,
        ),
    )
    values = {m.SWEEP_FAILED: 1, m.SWEEP_FINISHED: 0, m.SWEEP_DURATION: round(duration_ms, 3)}
    if m.throttled(error):
        values[m.DYNAMODB_THROTTLES] = 1
    _flush(values)
