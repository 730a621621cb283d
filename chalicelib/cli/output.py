"""How the operator CLI prints: a table for a person by default, one JSON object with
``--json``. Every command goes through :func:`show`, so the two never drift apart.

The answer alone goes to stdout, so ``latchkey authorize ev.json | python -m json.tool``
works: while a command runs (:func:`answers_on_stdout`), whatever else writes to
``sys.stdout`` (the authorizer's decision line, Powertools' log lines and EMF metrics,
which Lambda reads from stdout) goes to stderr with the CLI's own log lines.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, redirect_stdout
from contextvars import ContextVar
from typing import TextIO

_answer: ContextVar[TextIO | None] = ContextVar("latchkey_cli_answer", default=None)


@contextmanager
def answers_on_stdout() -> Iterator[None]:
    """Run a command: :func:`say` writes to this stdout, anything else printed to stderr."""
    token = _answer.set(sys.stdout)
    try:
        with redirect_stdout(sys.stderr):
            yield
    finally:
        _answer.reset(token)


def say(text: str) -> None:
    """Print one part of the command's answer."""
    print(text, file=_answer.get() or sys.stdout)


def table(rows: Sequence[Mapping[str, object]], columns: Mapping[str, str]) -> str:
    """Aligned columns: ``columns`` maps a row's field to its heading."""
    cells = [list(columns.values())]
    cells += [["" if row.get(name) is None else str(row[name]) for name in columns] for row in rows]
    widths = [max(len(line[index]) for line in cells) for index in range(len(columns))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in cells
    )


def show(
    data: Mapping[str, object],
    as_json: bool,
    columns: Mapping[str, str] | None = None,
    rows: Sequence[Mapping[str, object]] | None = None,
) -> None:
    """Print ``data`` as JSON, or ``rows`` (default: ``[data]``) as a table of ``columns``."""
    if as_json or columns is None:
        say(json.dumps(data))
        return
    say(table(rows if rows is not None else [data], columns))
