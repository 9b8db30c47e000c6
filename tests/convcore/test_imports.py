"""convcore's modules import one way: no cycle, counting imports under TYPE_CHECKING too.

The layers, bottom up: spec and errors; params, shapes, padding, layout; the geometry
package; the methods (and the helpers they share: unfold, kernel_matrix); the registry;
prepare; the op front-ends and the tracers. A cycle is what would let an upper layer leak
into a lower one, so the imports are read from the source (``ast``, every ``import`` in a
file, wherever it sits) rather than from what happens to work at run time.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "convcore"


def module_files() -> dict[str, Path]:
    """Every module of convcore by dotted name (a package by its own name)."""
    modules = {}
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def imported_names(path: Path, module: str, is_package: bool) -> Iterator[str]:
    """Dotted names imported anywhere in the file (module level, functions, TYPE_CHECKING)."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the package
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from a import b`` may import the submodule a.b
            yield from (f"{base}.{alias.name}" for alias in node.names)
            yield base


def import_graph() -> dict[str, set[str]]:
    """module → the convcore modules it imports (the most specific existing module).

    Importing ``convcore.geometry.pool`` runs ``convcore/geometry/__init__.py`` first, so a
    subpackage's ``__init__`` counts as imported too, unless the importer sits inside that
    subpackage (its ``__init__`` is already running); the root package is left out: it is
    the entry point that imports everything.
    """
    modules = module_files()
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        edges = set()
        for name in imported_names(path, module, path.name == "__init__.py"):
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if not name or name == module:
                continue
            edges.add(name)
            parent = name.rpartition(".")[0]
            while parent not in ("", PACKAGE):
                if not f"{module}.".startswith(f"{parent}."):
                    edges.add(parent)
                parent = parent.rpartition(".")[0]
        graph[module] = {edge for edge in edges if edge != PACKAGE or module == PACKAGE}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a path ``[a, b, …, a]``, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_graph_is_read_from_the_source():
    graph = import_graph()
    # a sample of known edges, one per layer, so that an empty graph cannot pass
    assert "convcore.geometry.conv2d" in graph["convcore.methods.conv2d_loop"] | {
        *graph["convcore.geometry"]
    }
    assert "convcore.geometry" in graph["convcore.methods.pool_window"]
    assert "convcore.methods.pool_window" in graph["convcore.registry"]
    assert "convcore.registry" in graph["convcore.prepare"]
    assert "convcore.prepare" in graph["convcore.convolution"]


def test_no_import_cycle_inside_convcore():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " → ".join(cycle or [])


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_a_type_checking_import_counts(tmp_path):
    source = tmp_path / "m.py"
    source.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from convcore.registry import x\n"
    )
    assert "convcore.registry" in set(imported_names(source, "convcore.m", False))


#: What each lower layer may import from convcore (besides itself and its own package).
LOWER_LAYERS = {
    "convcore.spec": set(),
    "convcore.errors": set(),
    "convcore.shapes": set(),
    "convcore.padding": {"convcore.errors"},
    "convcore.params": {"convcore.errors", "convcore.spec"},
    "convcore.layout": {"convcore.errors", "convcore.params", "convcore.spec"},
}
GEOMETRY_MAY_IMPORT = {
    "convcore.errors",
    "convcore.spec",
    "convcore.params",
    "convcore.shapes",
    "convcore.padding",
}


@pytest.mark.parametrize("module", sorted(LOWER_LAYERS))
def test_the_bottom_layers_import_only_what_is_below_them(module):
    assert import_graph()[module] <= LOWER_LAYERS[module]


def test_the_geometry_layer_imports_only_params_shapes_and_padding():
    graph = import_graph()
    for module, edges in graph.items():
        if module == "convcore.geometry" or module.startswith("convcore.geometry."):
            outside = {e for e in edges if not e.startswith("convcore.geometry")}
            assert outside <= GEOMETRY_MAY_IMPORT, (module, outside)


def test_methods_never_import_the_registry_or_anything_above_it():
    above = {"convcore.registry", "convcore.prepare", "convcore.trace", PACKAGE}
    graph = import_graph()
    for module, edges in graph.items():
        if module.startswith("convcore.methods"):
            assert not {e for e in edges if e in above or e.startswith("convcore.trace")}, module
