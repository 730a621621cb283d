"""No import cycle anywhere in chalicelib/ (STYLE.md, convention 14).

The graph is read from the source with ``ast``, and every import is an edge: one at the top
of a module, one inside a function (a lazy import, made to keep a cold start small) and one
under ``if TYPE_CHECKING:``. A lazy or type-only import does not fail at import time, but it
still means two modules each need the other: the circle a reader has to hold in their head,
and the one a later edit turns into an ImportError. So none is allowed, and a failure names
the modules of the circle in order.

``from chalicelib.a import b`` is an edge to the module ``chalicelib.a.b`` when that is a
module, else to ``chalicelib.a``. Importing ``chalicelib.a.b`` also runs the package
``chalicelib/a/__init__.py``, but those hold docstrings only, so they are not followed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHALICELIB = ROOT / "chalicelib"

Graph = Mapping[str, frozenset[str]]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, known: frozenset[str]) -> frozenset[str]:
    """The chalicelib modules ``path`` imports, wherever the import statement sits."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path.parent)
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
            for alias in node.names:
                child = f"{base}.{alias.name}"
                names.add(child if child in known else base)
    return frozenset(name for name in names if name in known)


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if node.level == 0:
        return node.module or ""
    parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
    return f"{parent}.{node.module}" if node.module else parent


def import_graph() -> Graph:
    paths = sorted(CHALICELIB.rglob("*.py"))
    known = frozenset(module_name(path) for path in paths)
    return {module_name(path): imported_modules(path, known) for path in paths}


def cycles(graph: Graph) -> Iterator[list[str]]:
    """Each circle of imports, as ``[a, b, ..., a]`` where each module imports the next.

    graphlib's topological sort names one circle at a time; cutting one of its edges and
    sorting again finds the next, until none is left.
    """
    remaining = {module: set(imports) for module, imports in graph.items()}
    while True:
        try:
            # A module's imports are its predecessors: they are loaded before it.
            TopologicalSorter(remaining).prepare()
        except CycleError as error:
            # graphlib lists each node before the module that imports it: reverse that.
            circle = list(reversed(error.args[1]))
            yield _from_first(circle)
            remaining[circle[0]].discard(circle[1])
        else:
            return


def _from_first(circle: list[str]) -> list[str]:
    """The same circle, starting at its alphabetically first module (a stable message)."""
    ring = circle[:-1]
    start = ring.index(min(ring))
    ring = ring[start:] + ring[:start]
    return [*ring, ring[0]]


def describe(found: list[list[str]]) -> str:
    return "import cycles in chalicelib/:\n" + "\n".join(" -> ".join(c) for c in found)


def test_chalicelib_has_no_import_cycle() -> None:
    found = list(cycles(import_graph()))
    assert not found, describe(found)


def test_the_graph_sees_lazy_and_type_only_imports() -> None:
    graph = import_graph()
    # services.py imports the authorizer's runtime only under TYPE_CHECKING, and
    # token_check's TokenChecker only inside a function (wiring/access_tokens.py).
    assert "chalicelib.authorizer.runtime" in graph["chalicelib.wiring.services"]
    assert "chalicelib.domain.token_check" in graph["chalicelib.wiring.access_tokens"]


def test_a_cycle_is_named_module_by_module() -> None:
    graph = {
        "a": frozenset({"b"}),
        "b": frozenset({"c"}),
        "c": frozenset({"a"}),
        "d": frozenset({"a"}),
    }
    assert list(cycles(graph)) == [["a", "b", "c", "a"]]


def test_every_cycle_is_named() -> None:
    graph = {
        "a": frozenset({"b"}),
        "b": frozenset({"a"}),
        "c": frozenset({"d"}),
        "d": frozenset({"c"}),
    }
    assert sorted(cycles(graph)) == [["a", "b", "a"], ["c", "d", "c"]]
    assert describe([["a", "b", "a"]]) == "import cycles in chalicelib/:\na -> b -> a"


def test_a_module_importing_itself_is_a_cycle() -> None:
    assert list(cycles({"a": frozenset({"a"})})) == [["a", "a"]]


def test_a_graph_without_a_circle_passes() -> None:
    assert list(cycles({"a": frozenset({"b"}), "b": frozenset()})) == []
