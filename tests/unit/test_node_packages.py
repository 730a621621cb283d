"""The npm packages install quietly on the Node the README names, and phone nobody."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def _json(name: str) -> Any:
    return json.loads((ROOT / name).read_text())


def _minimum(spec: str) -> tuple[int, ...]:
    """The version a ``>=X[.Y[.Z]]`` engines range starts at."""
    found = re.fullmatch(r">=\s*(\d+(?:\.\d+){0,2})", spec.strip())
    assert found, f"an engines range this test cannot read: {spec!r}"
    parts = tuple(int(part) for part in found.group(1).split("."))
    return parts + (0,) * (3 - len(parts))


def test_every_locked_package_runs_on_the_node_the_project_names() -> None:
    ours = _minimum(_json("package.json")["engines"]["node"])
    assert f"Node.js {ours[0]}+" in (ROOT / "README.md").read_text()
    wanting_more = {
        name: entry["engines"]["node"]
        for name, entry in _json("package-lock.json")["packages"].items()
        if name and "node" in entry.get("engines", {})
        if _minimum(entry["engines"]["node"]) > ours
    }
    assert wanting_more == {}, "npm would warn EBADENGINE on the Node the README names"


def test_scarfs_install_time_analytics_are_off() -> None:
    package = _json("package.json")
    # Read by @scarf/scarf's report.js; and npm's allowScripts never runs its postinstall.
    assert package["scarfSettings"] == {"enabled": False}
    assert package["allowScripts"]["@scarf/scarf"] is False
