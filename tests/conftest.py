"""Fixtures every test level shares: an injectable clock, fake AWS credentials and the
reliability counters. The helpers they use live in tests/support (clock.py, settings.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import examples  # noqa: F401 - registers and loads the Hypothesis profiles
from tests.support.clock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials, so nothing can reach a real AWS account."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)


class Counters:
    """What the reliability suite did this session, printed after the run."""

    def __init__(self) -> None:
        self.races = 0
        self.faults = 0
        self.hostile = 0
        self.five_xx = 0
        self.secret_hits = 0
        # Counters recomputed from the keys and compared (tests that race them).
        self.counter_checks = 0
        self.patterns = 0  # Pathological route patterns the matcher decided

    def summary(self) -> str:
        return (
            f"Reliability: races run {self.races} | faults injected {self.faults}"
            f" | hostile inputs tried {self.hostile} | 5xx answers seen {self.five_xx}"
            f" | secrets found {self.secret_hits}"
            f" | counter checks run {self.counter_checks}"
            f" | pathological patterns tried {self.patterns}"
        )

    def counts(self) -> dict[str, int]:
        return dict(vars(self))

    def add(self, counts: dict[str, int]) -> None:
        for name, count in counts.items():
            setattr(self, name, getattr(self, name) + count)


# One per process. Under pytest-xdist each worker counts its own share and hands it to the
# controller when it finishes (``workeroutput``); the controller adds them up and prints.
RELIABILITY = Counters()


@pytest.fixture
def reliability() -> Counters:
    """The session's counters: reliability tests add what they ran, injected and found."""
    return RELIABILITY


def pytest_sessionfinish(session: pytest.Session) -> None:
    """On an xdist worker: hand this worker's counts to the controller."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["reliability"] = RELIABILITY.counts()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """On the xdist controller: add a finished worker's counts (an xdist hook)."""
    RELIABILITY.add(getattr(node, "workeroutput", {}).get("reliability", {}))


# Longest first. Under ``-n`` (``--dist loadgroup --no-loadscope-reorder``, the
# Makefile) xdist hands out the tests in collection order, a group (the console's, the
# package's) as one unit where its first test stands; a schemathesis run of minutes handed
# out last keeps one worker busy while the other has nothing left to do. So tests marked
# ``long`` come first, then the levels of few, slow tests, and the many short unit tests
# last, to fill in.
LEVEL_ORDER = ("integration", "infrastructure", "functional", "unit")


def _rank(item: pytest.Item) -> tuple[int, int]:
    parts = item.nodeid.split("/")
    level = parts[1] if len(parts) > 2 and parts[0] == "tests" else ""
    level_rank = LEVEL_ORDER.index(level) if level in LEVEL_ORDER else len(LEVEL_ORDER)
    return (item.get_closest_marker("long") is None, level_rank)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Order the tests longest first; within a rank, the collected order stays."""
    items.sort(key=_rank)


class LevelClock:
    """The wall time each test level spanned, from its first test's start to its last's end."""

    def __init__(self) -> None:
        self.spans: dict[str, tuple[float, float]] = {}
        self.tests: dict[str, int] = {}

    def record(self, report: pytest.TestReport) -> None:
        parts = report.nodeid.split("/")
        level = parts[1] if len(parts) > 2 and parts[0] == "tests" else "other"
        first, last = self.spans.get(level, (report.start, report.stop))
        self.spans[level] = (min(first, report.start), max(last, report.stop))
        self.tests[level] = self.tests.get(level, 0) + (report.when == "call")

    def lines(self) -> list[str]:
        return [
            f"{level:<15} {self.tests[level]:>5} tests  {last - first:7.1f} s wall"
            for level, (first, last) in sorted(self.spans.items(), key=lambda item: item[1])
        ]


LEVELS = LevelClock()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Every phase of every test, in this process or (forwarded by xdist) a worker's."""
    LEVELS.record(report)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the reliability table and each level's wall time at the end of every run."""
    if hasattr(terminalreporter.config, "workeroutput"):
        return
    terminalreporter.write_sep("-", "reliability")
    terminalreporter.write_line(RELIABILITY.summary())
    terminalreporter.write_sep("-", "wall time per level (levels overlap under -n)")
    for line in LEVELS.lines():
        terminalreporter.write_line(line)
