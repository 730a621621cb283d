"""Powertools' Logger and Metrics for the management API and the sweep.

Never imported on the authorizer's path: Powertools adds ~41 ms (17%) to its cold start
(scripts/bench_powertools.py; README, "Operations"), so the authorizer writes the same
shapes with the standard library (log.py, decisions.py). Built on first use, one per
``service``; the logger's name is the service, e.g. ``latchkey-api``, never ``latchkey``,
which is Chalice's app logger (set to ERROR, not propagated).
"""

from __future__ import annotations

import sys
from functools import cache
from typing import TYPE_CHECKING

from chalicelib.observability import log
from chalicelib.observability.metrics import NAMESPACE

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger, Metrics


class _Stdout:
    """Whatever ``sys.stdout`` is at each write: the logger outlives any one capture of it
    (pytest's, the CLI's), where Powertools would keep the stream it was built with."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


@cache
def logger(service: str) -> Logger:
    """Powertools' JSON logger for ``service`` (stdout, INFO and up).

    The domain's own ``logging`` lines (``chalicelib.*``) become JSON of the same keys
    too, through the standard-library formatter (log.configure), once per process.
    """
    from aws_lambda_powertools import Logger

    log.configure(service, service.removeprefix("latchkey-"))
    return Logger(service=service, level="INFO", stream=_Stdout())  # type: ignore[arg-type]


@cache
def metrics(service: str) -> Metrics:
    """Powertools' EMF metrics for ``service``; a caller flushes once per invocation."""
    from aws_lambda_powertools import Metrics

    return Metrics(namespace=NAMESPACE, service=service)
