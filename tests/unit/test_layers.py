"""Layers point one way: HTTP edge (chalicelib/api) -> domain -> storage.

Read from the source with ``ast`` (every import, a lazy one inside a function included), so
a wrong import fails here before it works by accident at run time. The composition roots
(chalicelib/container.py, authorizer/runtime.py, expiry_job.py) sit outside these packages
and may import every layer: they are where the layers are wired together.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CHALICELIB = Path(__file__).resolve().parents[2] / "chalicelib"


def modules(package: str) -> list[Path]:
    return sorted((CHALICELIB / package).rglob("*.py"))


def imported(path: Path) -> set[str]:
    """Every module ``path`` imports (``from a.b import c`` counts as ``a.b`` and ``a.b.c``)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def reaching(path: Path, package: str) -> list[str]:
    return sorted(
        name for name in imported(path) if name == package or name.startswith(package + ".")
    )


def name_of(path: Path) -> str:
    return str(path.relative_to(CHALICELIB.parent))


@pytest.mark.parametrize("path", modules("api"), ids=name_of)
def test_the_http_edge_imports_no_storage_module(path: Path) -> None:
    assert reaching(path, "chalicelib.storage") == []


@pytest.mark.parametrize("path", modules("storage"), ids=name_of)
def test_storage_imports_nothing_from_the_http_edge(path: Path) -> None:
    assert reaching(path, "chalicelib.api") == []


@pytest.mark.parametrize("path", modules("identity"), ids=name_of)
def test_identity_sits_below_the_http_edge(path: Path) -> None:
    assert reaching(path, "chalicelib.api") == []


def test_the_rule_sees_a_lazy_import_inside_a_function(tmp_path: Path) -> None:
    module = tmp_path / "edge.py"
    module.write_text("def handler():\n    from chalicelib.storage.usage import UsageStore\n")
    assert reaching(module, "chalicelib.storage") == [
        "chalicelib.storage.usage",
        "chalicelib.storage.usage.UsageStore",
    ]
