"""What Powertools would add to the authorizer's cold start (README, "Operations").

Medians of fresh interpreters importing the authorizer's Lambda entry point (``app`` with
LATCHKEY_ROLE=authorizer) and writing one log line and one metric, first with Latchkey's
standard-library writers (chalicelib/observability), then with Powertools' Logger and
Metrics as well. Imports only: no AWS, no DynamoDB. Bytecode is compiled first, as the
packaged zip ships it (scripts/compile_package.py).

    .venv/bin/python -m scripts.bench_powertools [runs]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys

from scripts.dynamodb_local import REPO_ROOT

RUNS = 21

OURS = """
import time; start = time.perf_counter()
import app
from chalicelib.observability.decisions import DecisionRecord, decision_line
decision_line("latchkey-authorizer", "authorizer", DecisionRecord("VALID", 1.0))
print(time.perf_counter() - start)
"""

POWERTOOLS = """
import time; start = time.perf_counter()
import app
import io
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
logger = Logger(service="latchkey-authorizer", stream=io.StringIO())
logger.info("decision", extra={"outcome": "VALID"})
metrics = Metrics(namespace="Latchkey", service="latchkey-authorizer")
metrics.add_metric(name="Decisions", unit=MetricUnit.Count, value=1)
metrics.serialize_metric_set()
print(time.perf_counter() - start)
"""


def fresh(code: str) -> float:
    env = {name: value for name, value in os.environ.items() if not name.startswith("LATCHKEY_")}
    env["LATCHKEY_ROLE"] = "authorizer"
    command = [sys.executable, "-c", code]
    out = subprocess.run(command, env=env, cwd=REPO_ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    return float(out.stdout.strip().splitlines()[-1]) * 1000


def main(runs: int = RUNS) -> None:
    compile_all = [sys.executable, "-m", "compileall", "-q", "app.py", "chalicelib"]
    subprocess.run(compile_all, cwd=REPO_ROOT, check=True)
    fresh(POWERTOOLS)  # compile Powertools' bytecode and warm the file cache for both
    ours, with_powertools = [], []
    for _ in range(runs):  # interleaved, so drift in the machine's load hits both
        ours.append(fresh(OURS))
        with_powertools.append(fresh(POWERTOOLS))
    base, more = statistics.median(ours), statistics.median(with_powertools)
    print(f"authorizer import + one line, standard library: {base:7.1f} ms (median of {runs})")
    print(f"the same with Powertools Logger and Metrics:   {more:7.1f} ms")
    print(f"Powertools would add {more - base:.1f} ms, {100 * (more - base) / base:.0f}%")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else RUNS)
