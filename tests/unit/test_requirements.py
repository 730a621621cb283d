"""requirements.txt (what Chalice packages into the Lambda zip) pins pyproject's runtime
dependencies, so the deployed code runs on the versions the tests ran on."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Chalice packages its own runtime module into every zip; the full package is the CLI.
PACKAGED_BY_CHALICE = {"chalice"}


def pins(lines: list[str]) -> set[str]:
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def name_of(pin: str) -> str:
    return pin.split("==")[0].split("[")[0].lower()


def test_requirements_pin_the_same_runtime_dependencies_as_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {pin for pin in project["dependencies"] if name_of(pin) not in PACKAGED_BY_CHALICE}
    packaged = pins((ROOT / "requirements.txt").read_text().splitlines())

    assert packaged == declared
    assert all("==" in pin for pin in packaged)
