"""Layers point one way: HTTP edge -> domain -> storage (STYLE.md, convention 2).

The domain declares ports (chalicelib/domain/ports.py) that storage implements, so no
domain module may import storage, the HTTP edge, or the AWS libraries only storage uses.
Read from the source with ``ast`` (every import counts, TYPE_CHECKING ones too), and then
proven by a fresh interpreter: importing the domain's services loads no PynamoDB.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = sorted((ROOT / "chalicelib" / "domain").glob("*.py"))
STORAGE = sorted((ROOT / "chalicelib" / "storage").glob("*.py"))
# What the domain must never import: storage, the HTTP edge, and the AWS/web libraries.
FORBIDDEN = ("chalicelib.storage", "chalicelib.api", "pynamodb", "botocore", "boto3", "chalice")


def imported(path: Path) -> set[str]:
    """Every module ``path`` imports, absolute; ``from x import y`` also counts ``x.y``."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def breaks(name: str, forbidden: tuple[str, ...]) -> bool:
    return any(name == banned or name.startswith(banned + ".") for banned in forbidden)


def test_the_domain_modules_are_all_checked() -> None:
    assert {path.stem for path in DOMAIN} >= {"keys", "groups", "tenants", "ports"}


@pytest.mark.parametrize("path", DOMAIN, ids=lambda path: path.name)
def test_a_domain_module_imports_no_storage_http_edge_or_aws_library(path: Path) -> None:
    offending = sorted(name for name in imported(path) if breaks(name, FORBIDDEN))
    assert offending == [], f"{path.name} imports {offending}"


def test_the_import_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from chalicelib.storage.keys import KeyStore\n"
        "import botocore.session\n"
    )
    found = {name for name in imported(module) if breaks(name, FORBIDDEN)}
    assert found >= {"chalicelib.storage.keys", "botocore.session"}


@pytest.mark.parametrize("path", STORAGE, ids=lambda path: path.name)
def test_storage_runs_no_expiry_rule(path: Path) -> None:
    """The domain decides when a key is due for the sweep; storage only persists it."""
    names = imported(path)
    assert "chalicelib.domain.expiry.ExpiryPolicy" not in names


def test_importing_the_management_services_loads_no_pynamodb() -> None:
    probe = (
        "import json, sys\n"
        "import chalicelib.domain.keys, chalicelib.domain.groups, chalicelib.domain.tenants\n"
        "print(json.dumps(sorted(name for name in sys.modules if name.split('.')[0] in "
        "('pynamodb', 'botocore', 'boto3', 'chalice') or name.startswith('chalicelib.storage'))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout) == []
