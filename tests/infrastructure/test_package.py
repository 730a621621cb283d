"""``make package``: a template and a zip that hold the app, its runtime wheels for the
functions' architecture, compiled bytecode, and nothing of the tests or the dev tools."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from chalicelib.api.console import FILES
from tests.infrastructure.conftest import ROOT

CFN_LINT = str(Path(sys.executable).with_name("cfn-lint"))

# Lambda's limit for the unzipped code of a function.
UNZIPPED_LIMIT = 250 * 1024 * 1024


@pytest.fixture(scope="module")
def names(package_dir: Path) -> set[str]:
    with zipfile.ZipFile(package_dir / "deployment.zip") as archive:
        return set(archive.namelist())


def functions(resources: dict[str, Any]) -> dict[str, Any]:
    return {
        name: resource["Properties"]
        for name, resource in resources.items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def test_package_writes_the_template_and_the_zip(package_dir: Path) -> None:
    assert (package_dir / "sam.yaml").is_file()
    assert (package_dir / "deployment.zip").is_file()


def test_cfn_lint_finds_nothing_in_the_packaged_template(package_dir: Path) -> None:
    result = subprocess.run(
        [CFN_LINT, str(package_dir / "sam.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.stdout + result.stderr == ""
    assert result.returncode == 0


@pytest.mark.parametrize(
    "path", sorted(p.name for p in (ROOT / "infra" / "examples").glob("*.yaml"))
)
def test_cfn_lint_finds_nothing_in_each_example(path: str) -> None:
    result = subprocess.run(
        [CFN_LINT, str(ROOT / "infra" / "examples" / path)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.stdout + result.stderr == ""
    assert result.returncode == 0


def test_zip_holds_the_app_and_its_runtime_dependencies(names: set[str]) -> None:
    assert {"app.py", "chalicelib/authorizer/handler.py", "chalicelib/storage/models.py"} <= names
    for package in ("pynamodb/", "pydantic/", "pydantic_core/", "yaml/", "jwt/", "botocore/"):
        assert any(name.startswith(package) for name in names), package


def test_compiled_wheels_match_the_functions_architecture(
    names: set[str], resources: dict[str, Any]
) -> None:
    architectures = {tuple(props["Architectures"]) for props in functions(resources).values()}
    native = [name for name in names if name.endswith(".so")]

    assert architectures == {("arm64",)}
    assert any(name.startswith("pydantic_core/_pydantic_core.") for name in native)
    assert native
    assert not [name for name in native if "x86_64" in name]
    assert all("aarch64" in name or ".abi3." in name for name in native)


def test_zip_ships_bytecode_for_the_runtime_python(
    names: set[str], resources: dict[str, Any]
) -> None:
    runtimes = {props["Runtime"] for props in functions(resources).values()}
    tag = f"cpython-{sys.version_info.major}{sys.version_info.minor}"

    assert runtimes == {f"python{sys.version_info.major}.{sys.version_info.minor}"}
    assert f"__pycache__/app.{tag}.pyc" in names
    assert f"chalicelib/authorizer/__pycache__/handler.{tag}.pyc" in names


def test_zip_holds_no_tests_scripts_or_dev_tools(names: set[str]) -> None:
    tag = f"cpython-{sys.version_info.major}{sys.version_info.minor}"
    tops = {name.split("/", 1)[0] for name in names}

    assert not tops & {"tests", "scripts", "infra", "docs", ".chalice", "node_modules"}
    for tool in ("pytest", "_pytest", "moto", "hypothesis", "cfnlint", "mypy", "ruff"):
        assert tool not in tops, tool
    # Chalice adds only its small runtime module, not the CLI that packages it.
    assert {name for name in names if name.startswith("chalice/")} == {
        "chalice/__init__.py",
        "chalice/app.py",
        f"chalice/__pycache__/__init__.{tag}.pyc",
        f"chalice/__pycache__/app.{tag}.pyc",
    }


def test_zip_fits_lambdas_unzipped_limit(package_dir: Path) -> None:
    with zipfile.ZipFile(package_dir / "deployment.zip") as archive:
        unzipped = sum(info.file_size for info in archive.infolist())

    assert unzipped < UNZIPPED_LIMIT


def test_zip_holds_the_console_page_and_every_file_it_serves(names: set[str]) -> None:
    # The console is served from the package: no CDN, nothing fetched at run time.
    expected = {f"chalicelib/static/console/{name}" for name in [*FILES, "index.html"]}
    assert expected <= names
