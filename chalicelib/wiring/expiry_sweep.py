"""The scheduled expiry sweep's entry point and wiring (app.py's ``expiry_sweep``, the CLI).

Builds the sweep lazily on the first run, never at import time. The schedule expression is
read from the settings when app.py is imported, because Chalice needs it then; that reads
the environment only, no AWS. app.py imports this module in every Lambda, the authorizer's
included, so it imports the sweep's domain, storage and clients only when it builds them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.clock import iso_z, utc_now
from chalicelib.config.settings import Settings, get_settings
from chalicelib.wiring.singleton import ProcessSingleton

if TYPE_CHECKING:
    from chalicelib.domain.sweep import Notifier, SweepService
    from chalicelib.domain.sweep_report import SweepReport

Clock = Callable[[], datetime]


class LambdaContext(Protocol):
    def get_remaining_time_in_millis(self) -> float: ...


def sweep_schedule() -> str:
    """The schedule expression of the sweep, e.g. ``rate(1 hour)``."""
    return get_settings().sweep.schedule


def notifier_for(settings: Settings) -> Notifier:
    """EventBridge and SNS in AWS; in memory against a local store (nothing leaves the laptop)."""
    from chalicelib.wiring.notifiers import notifier_for as sending

    return sending(settings, settings.sweep.topic_arn)


def build_sweep(settings: Settings, clock: Clock, notifier: Notifier | None = None) -> SweepService:
    from chalicelib.domain.expiry import ExpiryPolicy
    from chalicelib.domain.sweep import SweepService
    from chalicelib.storage.audit import AuditWriter
    from chalicelib.storage.models import bind_models, connection_for
    from chalicelib.storage.sweep import SweepStore
    from chalicelib.storage.sweep_index import pool_for

    bind_models(settings)
    # Every thread of a run queries the index and writes through these.
    pool_for(settings.sweep.workers)
    connection = connection_for(settings, max(settings.sweep.workers, 10))
    audit = AuditWriter(timedelta(days=settings.dynamodb.audit_retention_days))
    store = SweepStore(connection, audit, settings.sweep.shards)
    policy = ExpiryPolicy(settings.sweep.expiry_thresholds_days)
    notifier = notifier or notifier_for(settings)
    workers, batch = settings.sweep.workers, settings.sweep.batch
    return SweepService(store, notifier, policy, clock, workers, batch)


def time_left_of(context: LambdaContext | None) -> Callable[[], timedelta] | None:
    if context is None:
        return None
    return lambda: timedelta(milliseconds=context.get_remaining_time_in_millis())


def report_json(report: SweepReport) -> dict[str, Any]:
    """A run's report as JSON: what the Lambda returns and ``latchkey sweep --json`` prints."""
    return {
        "now": iso_z(report.now),
        "dry_run": report.dry_run,
        "examined": report.examined,
        "crossed": report.crossed,
        "lost_races": report.lost_races,
        "released": report.released,
        "stopped_early": report.stopped_early,
        "notices": [
            {
                "detail_type": notice.detail_type,
                "tenant_id": notice.tenant_id,
                "key_id": notice.key_id,
                "key_name": notice.key_name,
                "threshold_days": notice.threshold,
                "days_left": notice.days_left,
                "expires_at": iso_z(notice.expires_at),
            }
            for notice in report.notices
        ],
    }


_sweep: ProcessSingleton[SweepService] = ProcessSingleton(
    lambda: build_sweep(get_settings(), utc_now)
)


def set_sweep(sweep: SweepService | None) -> None:
    """Replace (or with None, forget) the process's sweep; tests inject theirs."""
    _sweep.set(sweep)


def run_sweep(context: LambdaContext | None) -> dict[str, Any]:
    """One scheduled run, within the time the Lambda ``context`` has left.

    Logs and measures the run (chalicelib/observability/sweep.py); a run that raises is
    recorded, then raised again, so Lambda retries it and sends it to the on-failure queue.
    """
    from chalicelib.observability.sweep import record_failure, record_run

    started = time.perf_counter()
    request_id = getattr(context, "aws_request_id", None)
    try:
        report = _sweep.get().run(time_left=time_left_of(context))
    except Exception as error:
        record_failure(error, (time.perf_counter() - started) * 1000, request_id)
        raise
    record_run(report, (time.perf_counter() - started) * 1000, request_id)
    summary = report_json(report)
    del summary["notices"]  # counts only: the events carry the details
    return summary
