"""Single events counted as they happen: tokens issued, leaked keys handled.

Each is one EMF line through Powertools' ``single_metric`` (imported when first used, so
nothing here weighs on an import), with the service dimension and, where it helps, an
Outcome. Never a key id or tenant id as a dimension.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from chalicelib.domain.leaks import LeakNotice, LeakNotifier
from chalicelib.observability import metrics as m


def single(name: str, service: str) -> Any:
    """Powertools' context manager for one metric of ``service``, written on exit."""
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    return single_metric(
        name=name,
        unit=MetricUnit.Count,
        value=1,
        namespace=m.NAMESPACE,
        default_dimensions={m.SERVICE_DIMENSION: service},
    )


def count(name: str, outcome: str | None = None) -> None:
    """One event of ``name`` on the management API, with an Outcome dimension if given.

    Best effort like every metric: a failure to write it never changes an answer.
    """
    with suppress(Exception), single(name, m.API) as metric:
        if outcome is not None:
            metric.add_dimension(name=m.OUTCOME_DIMENSION, value=outcome)


class CountedLeaks:
    """A leak notifier that also counts ``LeakedKeysHandled`` by the action taken."""

    def __init__(self, inner: LeakNotifier) -> None:
        self._inner = inner

    def leaked(self, notice: LeakNotice) -> None:
        count(m.LEAKED_KEYS_HANDLED, notice.action.value)
        self._inner.leaked(notice)
