"""Layers point one way: HTTP edge (chalicelib/api) -> domain -> storage (STYLE.md, convention 2).

The domain declares ports (chalicelib/domain/ports.py) that storage implements, so no domain
module may import storage, the HTTP edge, or the AWS libraries only storage uses. Read from
the source with ``ast`` (every import counts: a lazy one inside a function, a TYPE_CHECKING
one), and then proven by a fresh interpreter: importing the domain's services loads no
PynamoDB. The composition roots (chalicelib/wiring/services.py, authorizer/runtime.py,
wiring/expiry_sweep.py) sit outside these packages and may import every layer: they are where the
layers are wired together.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support.fresh_process import probe

ROOT = Path(__file__).resolve().parents[2]
CHALICELIB = ROOT / "chalicelib"
# What the domain must never import: storage, the HTTP edge, and the AWS/web libraries.
FORBIDDEN_IN_DOMAIN = (
    "chalicelib.storage",
    "chalicelib.api",
    "pynamodb",
    "botocore",
    "boto3",
    "chalice",
)


def modules(package: str) -> list[Path]:
    return sorted((CHALICELIB / package).rglob("*.py"))


def imported(path: Path) -> set[str]:
    """Every module ``path`` imports, absolute; ``from a.b import c`` also counts ``a.b.c``."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def reaching(path: Path, *packages: str) -> list[str]:
    return sorted(
        name
        for name in imported(path)
        if any(name == package or name.startswith(package + ".") for package in packages)
    )


def name_of(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", modules("api"), ids=name_of)
def test_the_http_edge_imports_no_storage_module(path: Path) -> None:
    assert reaching(path, "chalicelib.storage") == []


@pytest.mark.parametrize("path", modules("storage"), ids=name_of)
def test_storage_imports_nothing_from_the_http_edge(path: Path) -> None:
    assert reaching(path, "chalicelib.api") == []


@pytest.mark.parametrize("path", modules("identity"), ids=name_of)
def test_identity_sits_below_the_http_edge(path: Path) -> None:
    assert reaching(path, "chalicelib.api") == []


def test_the_domain_modules_are_all_checked() -> None:
    assert {path.stem for path in modules("domain")} >= {"keys", "groups", "tenants", "ports"}


@pytest.mark.parametrize("path", modules("domain"), ids=name_of)
def test_a_domain_module_imports_no_storage_http_edge_or_aws_library(path: Path) -> None:
    assert reaching(path, *FORBIDDEN_IN_DOMAIN) == []


@pytest.mark.parametrize("path", modules("storage"), ids=name_of)
def test_storage_runs_no_expiry_rule(path: Path) -> None:
    """The domain decides when a key is due for the sweep; storage only persists it."""
    assert "chalicelib.domain.expiry.ExpiryPolicy" not in imported(path)


def test_the_rule_sees_a_lazy_import_inside_a_function(tmp_path: Path) -> None:
    module = tmp_path / "edge.py"
    module.write_text("def handler():\n    from chalicelib.storage.usage import UsageStore\n")
    assert reaching(module, "chalicelib.storage") == [
        "chalicelib.storage.usage",
        "chalicelib.storage.usage.UsageStore",
    ]


def test_the_rule_sees_a_type_checking_import(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from chalicelib.storage.keys import KeyStore\n"
        "import botocore.session\n"
    )
    found = set(reaching(module, *FORBIDDEN_IN_DOMAIN))
    assert found >= {"chalicelib.storage.keys", "botocore.session"}


def aws_and_storage_loaded_by(imports: str) -> list[str]:
    """The AWS libraries and storage modules a fresh interpreter holds after ``imports``."""
    code = (
        f"import json, sys\n{imports}\n"
        "print(json.dumps(sorted(name for name in sys.modules if name.split('.')[0] in "
        "('pynamodb', 'botocore', 'boto3', 'chalice') or name.startswith('chalicelib.storage'))))\n"
    )
    loaded: list[str] = probe(code)
    return loaded


def test_importing_the_management_services_loads_no_pynamodb() -> None:
    imports = "import chalicelib.domain.keys, chalicelib.domain.groups, chalicelib.domain.tenants"
    assert aws_and_storage_loaded_by(imports) == []


def test_the_in_memory_fakes_load_no_pynamodb() -> None:
    """The domain's rules are unit-tested on tests/support/fakes.py with no AWS library."""
    assert aws_and_storage_loaded_by("import tests.support.fakes, tests.support.management") == []
