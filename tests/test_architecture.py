"""The import graph: no cycle between modules, and every import follows the layer order.

The layers, lowest first: ``core`` (infrastructure) → ``credit`` (business logic) → ``search``
(a derived index) → ``disclosure`` and ``openapi`` (the browser and machine delivery layers,
which never import each other); ``wsgi`` (the composition root) sits on top. A module may
import its own top-level package and any lower layer, nothing else.

How the graph is built: every ``.py`` file of the five packages and ``wsgi.py`` is parsed with
``ast``; every ``import`` and ``from ... import`` counts, wherever it stands (module level,
inside functions and methods, under ``if TYPE_CHECKING:``). Relative imports are resolved
against the importing module's package. ``from pkg import name`` imports the submodule
``pkg.name`` when there is one, else ``pkg`` itself; ``import a.b.c`` imports the deepest of
``a.b.c``, ``a.b``, ``a`` that is a module of the project. Package ``__init__`` modules are
modules like any other, reached when imported by name (the parent packages Python initialises
on the way to a submodule are not counted: that would make every ``__init__`` that registers
its submodules a cycle).

Imports under ``if TYPE_CHECKING:`` never run, so they are left out of the cycle check; they
still count for the layer check (a type from a higher layer is a dependency on it).
"""

from __future__ import annotations

import ast
from collections import deque
from itertools import pairwise
from pathlib import Path
from typing import NamedTuple

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "credit", "search", "disclosure", "openapi")
TOP_MODULES = ("wsgi",)
#: rank of each top-level package; an import may only go to a strictly lower rank (or stay
#: inside its own package), so disclosure and openapi, of equal rank, never import each other
LAYERS = {"core": 0, "credit": 1, "search": 2, "disclosure": 3, "openapi": 3, "wsgi": 4}

#: module name -> (source text, is a package ``__init__``)
Sources = dict[str, tuple[str, bool]]


class Import(NamedTuple):
    source: str
    target: str
    line: int
    type_checking: bool


def project_sources(root: Path = ROOT) -> tuple[Sources, dict[str, Path]]:
    """The source of every project module, and the file each came from."""
    sources: Sources = {}
    files: dict[str, Path] = {}
    paths = [p for package in PACKAGES for p in sorted((root / package).rglob("*.py"))]
    paths += [root / f"{name}.py" for name in TOP_MODULES if (root / f"{name}.py").is_file()]
    for path in paths:
        parts = list(path.relative_to(root).with_suffix("").parts)
        package = parts[-1] == "__init__"
        if package:
            parts.pop()
        name = ".".join(parts)
        sources[name] = (path.read_text(encoding="utf-8"), package)
        files[name] = path
    return sources, files


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _deepest_module(dotted: str, known: set[str]) -> str | None:
    parts = dotted.split(".")
    while parts:
        name = ".".join(parts)
        if name in known:
            return name
        parts.pop()
    return None


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module named by ``from <node.module> import ...`` inside ``module``."""
    if not node.level:
        return node.module or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    if node.level > len(package):
        raise ValueError(f"{module}:{node.lineno}: relative import beyond the top package")
    base = package[: len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(module: str, source: str, is_package: bool, known: set[str]) -> list[Import]:
    """Every import of a project module in ``source``, wherever it stands in the file."""
    found: list[Import] = []

    def add(target: str | None, node: ast.stmt, type_checking: bool) -> None:
        if target is not None and target != module:
            found.append(Import(module, target, node.lineno, type_checking))

    def visit(node: ast.AST, type_checking: bool) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(_deepest_module(alias.name, known), node, type_checking)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(module, is_package, node)
            for alias in node.names:
                submodule = f"{base}.{alias.name}" if base else alias.name
                target = submodule if submodule in known else _deepest_module(base, known)
                add(target, node, type_checking)
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, True)
            for child in node.orelse:
                visit(child, type_checking)
            return
        for child in ast.iter_child_nodes(node):
            visit(child, type_checking)

    visit(ast.parse(source, filename=module), False)
    return found


def import_graph(sources: Sources) -> list[Import]:
    """All imports between the modules of ``sources``."""
    known = set(sources)
    return [
        found
        for name, (source, package) in sorted(sources.items())
        for found in imports_of(name, source, package, known)
    ]


def _strong_components(nodes: list[str], edges: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, iteratively (no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(edges.get(root, ())))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            for succ in successors:
                if succ not in index:
                    index[succ] = low[succ] = len(index)
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(edges.get(succ, ()))))
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(sorted(component))
    return components


def _shortest_cycle(start: str, members: set[str], edges: dict[str, list[str]]) -> list[str]:
    """A shortest path start → ... → start inside one strongly connected component."""
    previous: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for succ in edges.get(node, ()):
            if succ not in members:
                continue
            if succ == start:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return [start, *reversed(path[:-1]), start]
            if succ not in previous:
                previous[succ] = node
                queue.append(succ)
    raise AssertionError(f"no cycle through {start}")  # pragma: no cover - SCCs have one


def find_cycles(imports: list[Import]) -> list[str]:
    """One line per import cycle (per strongly connected component of run-time imports)."""
    lines: dict[tuple[str, str], int] = {}
    edges: dict[str, list[str]] = {}
    for found in imports:
        if found.type_checking:
            continue
        if (found.source, found.target) not in lines:
            lines[found.source, found.target] = found.line
            edges.setdefault(found.source, []).append(found.target)
    nodes = sorted({name for pair in lines for name in pair})
    report = []
    for component in _strong_components(nodes, edges):
        if len(component) < 2:
            continue
        cycle = _shortest_cycle(component[0], set(component), edges)
        steps = ", ".join(f"{a}:{lines[a, b]} imports {b}" for a, b in pairwise(cycle))
        report.append(
            f"cycle {' -> '.join(cycle)} ({steps}); strongly connected: {', '.join(component)}"
        )
    return report


def layer_violations(imports: list[Import]) -> list[str]:
    """One line per import from a module to a package its layer may not use."""
    report = []
    for found in imports:
        source, target = found.source.split(".")[0], found.target.split(".")[0]
        if source == target or LAYERS[target] < LAYERS[source]:
            continue
        lower = sorted(name for name, rank in LAYERS.items() if rank < LAYERS[source])
        note = " (under TYPE_CHECKING)" if found.type_checking else ""
        report.append(
            f"{found.source}:{found.line} imports {found.target}{note}: "
            f"{source} may import only {', '.join([source, *lower])}"
        )
    return report


def _project_graph() -> list[Import]:
    sources, _ = project_sources()
    return import_graph(sources)


def test_the_graph_is_read():
    """A parser that found nothing would pass every check below."""
    sources, files = project_sources()
    imports = import_graph(sources)
    assert len(sources) > 100 and "credit" in sources and "wsgi" in sources
    assert all(path.is_file() for path in files.values())
    pairs = {(found.source, found.target) for found in imports}
    assert len(pairs) > 300
    assert ("wsgi", "openapi") in pairs
    # an import inside a function body (credit.init_app)
    assert ("credit", "credit.ratings.rescoring") in pairs


def test_no_import_cycles():
    cycles = find_cycles(_project_graph())
    assert not cycles, "import cycles between modules:\n" + "\n".join(cycles)


def test_imports_follow_the_layer_order():
    violations = layer_violations(_project_graph())
    assert not violations, (
        "imports against the layer order core -> credit -> search -> disclosure/openapi:\n"
        + "\n".join(violations)
    )


# The checker's own tests, on synthetic modules.

SYNTHETIC: Sources = {
    "core": ("", True),
    "core.a": ("import flask\n\ndef f():\n    from core import b\n", False),
    "core.b": (
        "from typing import TYPE_CHECKING\nfrom .a import f\n"
        "if TYPE_CHECKING:\n    from credit.x import Y\n",
        False,
    ),
    "credit": ("", True),
    "credit.x": ("from core.b import f\nfrom credit import y\n", False),
    "credit.y": ("import core.b.nothing\n", False),
    "credit.records": ("", True),
    "credit.records.z": ("from ..x import Y\nfrom .. import y, nothing\n", False),
    "disclosure": ("", True),
    "disclosure.v": ("class V:\n    def m(self):\n        import openapi.w\n", False),
    "openapi": ("from . import w\n", True),
    "openapi.w": ("from core import a\n", False),
}


def test_imports_are_resolved():
    imports = import_graph(SYNTHETIC)
    found = {(i.source, i.target, i.line, i.type_checking) for i in imports}
    assert found == {
        ("core.a", "core.b", 4, False),  # in a function; `from pkg import submodule`
        ("core.b", "core.a", 2, False),  # relative
        ("core.b", "credit.x", 4, True),
        ("credit.x", "core.b", 1, False),
        ("credit.x", "credit.y", 2, False),
        ("credit.y", "core.b", 1, False),  # deepest known prefix
        ("credit.records.z", "credit.x", 1, False),  # `..` from a subpackage's module
        ("credit.records.z", "credit.y", 2, False),  # `from .. import submodule`
        ("credit.records.z", "credit", 2, False),  # `from .. import name`: the package
        ("disclosure.v", "openapi.w", 3, False),  # in a method
        ("openapi", "openapi.w", 1, False),  # relative from a package __init__
        ("openapi.w", "core.a", 1, False),
    }


def test_the_checker_finds_a_cycle_and_layer_violations():
    imports = import_graph(SYNTHETIC)
    cycles = find_cycles(imports)
    # core.b -> credit.x -> core.b would be a cycle too, but that import is TYPE_CHECKING-only
    assert cycles == [
        "cycle core.a -> core.b -> core.a (core.a:4 imports core.b, core.b:2 imports core.a); "
        "strongly connected: core.a, core.b"
    ]
    assert layer_violations(imports) == [
        "core.b:4 imports credit.x (under TYPE_CHECKING): core may import only core",
        "disclosure.v:3 imports openapi.w: disclosure may import only disclosure, core, credit, "
        "search",
    ]


def test_a_relative_import_beyond_the_top_package_is_an_error():
    with pytest.raises(ValueError, match="beyond the top package"):
        import_graph({"credit.x": ("from .. import y\n", False)})
    with pytest.raises(ValueError, match="beyond the top package"):
        import_graph({"wsgi": ("from . import core\n", False)})


def test_the_checker_passes_a_clean_graph():
    clean = {name: SYNTHETIC[name] for name in ("core", "core.a", "openapi", "openapi.w")}
    imports = import_graph(clean)
    assert len(imports) == 3  # core.a imports core once b is gone
    assert find_cycles(imports) == [] and layer_violations(imports) == []


def test_a_longer_cycle_is_printed_in_order():
    sources: Sources = {
        "search.a": ("from search import b\n", False),
        "search.b": ("import search.c\n", False),
        "search.c": ("from search.a import x\n", False),
        "search.d": ("from search import a\n", False),
    }
    assert find_cycles(import_graph(sources)) == [
        "cycle search.a -> search.b -> search.c -> search.a (search.a:1 imports search.b, "
        "search.b:1 imports search.c, search.c:1 imports search.a); strongly connected: "
        "search.a, search.b, search.c"
    ]
