"""How the operator CLI prints: a table for a person by default, one JSON object with
``--json``. Every command goes through :func:`show`, so the two never drift apart."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence


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
        print(json.dumps(data))
        return
    print(table(rows if rows is not None else [data], columns))
