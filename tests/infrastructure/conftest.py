"""Infrastructure tests read ``infra/`` and what ``make package`` builds from it.

``make package`` runs once per session, into a temporary folder; every test here reads its
template or zip (nothing reaches AWS). Every test in this folder is marked
``infrastructure`` (``-m "not infrastructure"`` skips them and the ~20 s of packaging).
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from chalicelib.storage.schema import load_template

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PACKAGED_STAGE = "dev"


# First: xdist reads the group when its own hook runs, which is before this one's when
# this folder is named on the command line (its conftest is then loaded before xdist's).
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test under this folder ``infrastructure``, and keep them on one worker.

    Under ``pytest -n`` (``--dist loadgroup``) the group sends them all to one xdist worker,
    so the package is built once, not once per worker.
    """
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.infrastructure)
            item.add_marker(pytest.mark.xdist_group("package"))


@pytest.fixture(scope="session")
def package_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder ``make package`` wrote for the dev stage: ``sam.yaml`` and the zip."""
    out = tmp_path_factory.mktemp("package") / PACKAGED_STAGE
    # -o: never reinstall the virtualenv from inside a test run (make test installs first).
    subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-o",
            ".venv/.installed",
            "package",
            f"STAGE={PACKAGED_STAGE}",
            f"PACKAGE_DIR={out}",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=600,
    )
    return out


@pytest.fixture(scope="session")
def packaged(package_dir: Path) -> dict[str, Any]:
    """The packaged template (Chalice writes plain YAML: intrinsics are ``Fn::`` mappings)."""
    template: dict[str, Any] = yaml.safe_load((package_dir / "sam.yaml").read_text())
    return template


@pytest.fixture(scope="session")
def resources(packaged: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = packaged["Resources"]
    return found


def example(name: str) -> dict[str, Any]:
    """An example template of ``infra/examples/`` (short tags read as ``{"Ref": ...}``)."""
    return load_template(ROOT / "infra" / "examples" / name)
