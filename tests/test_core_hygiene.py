"""The house rules of lsr's imports.

* The core must import without textual or the CLI framework (they are thin layers over it): ``textual``
  is imported only under ``lsr/tui/``, ``click`` only under ``lsr/cli/``.
* No import cycle among lsr's modules, counting imports inside functions (a lazy import that closes a
  cycle is still a cycle a reader has to hold in mind).

The import graph is read from the source with ``ast`` (nothing is imported); a package's
``__init__`` is not counted as imported by its submodules, nor are imports under ``if TYPE_CHECKING:``
(annotations only: they never run).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import lsr

PKG = Path(lsr.__file__).parent
UI_PACKAGES = ("cli", "tui")
UI_FRAMEWORK = {"textual": "tui", "click": "cli"}


def core_modules() -> list[str]:
    mods = []
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG).with_suffix("")
        parts = rel.parts
        if parts[0] in UI_PACKAGES or parts[0] == "migrations":
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods.append(".".join(("lsr", *parts)))
    return mods


def module_files(root: Path, package: str) -> dict[str, Path]:
    """Every module of the package under ``root`` by dotted name (alembic's migration scripts excluded)."""
    files = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[0] == "migrations":
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        files[".".join((package, *parts))] = path
    return files


def imported_names(name: str, path: Path) -> set[str]:
    """Absolute names of everything a module imports, at any depth (in functions too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    type_only = {id(inner) for node in ast.walk(tree) if _is_type_checking_block(node)
                 for stmt in node.body for inner in ast.walk(stmt)}
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            # ``from pkg import name``: the submodule ``pkg.name`` if there is one, else ``pkg`` (trimmed later)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def _is_type_checking_block(node: ast.AST) -> bool:
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """Module -> the package's modules it imports."""
    files = module_files(root, package)
    graph = {}
    for name, path in files.items():
        targets = set()
        for imported in imported_names(name, path):
            while imported and imported not in files:  # ``lsr.models.Record`` -> ``lsr.models``
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                targets.add(imported)
        graph[name] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_core_modules_found():
    assert {"lsr.protocol", "lsr.models", "lsr.db", "lsr.status"} <= set(core_modules())


@pytest.mark.slow  # imports every core module in a fresh interpreter
def test_core_imports_without_textual_or_click():
    code = (
        "import importlib, sys\n"
        f"for m in {core_modules()!r}:\n"
        "    importlib.import_module(m)\n"
        "bad = sorted(k for k in sys.modules if k.split('.')[0] in ('textual', 'click', 'typer'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"core pulled in: {out.stdout.strip()}"


def test_ui_frameworks_are_imported_only_in_their_layer():
    misplaced = []
    for name, path in module_files(PKG, "lsr").items():
        for imported in imported_names(name, path):
            layer = UI_FRAMEWORK.get(imported.split(".")[0])
            if layer is not None and not name.startswith(f"lsr.{layer}."):
                misplaced.append(f"{name} imports {imported} (allowed only under lsr/{layer}/)")
    assert misplaced == []


def test_no_import_cycle_among_lsr_modules():
    graph = import_graph(PKG, "lsr")
    assert {"lsr.cli.base", "lsr.ranking.registry", "lsr.tui.app"} <= set(graph)
    assert "lsr.ranking.default" in graph["lsr.ranking.registry"]
    assert cycles(graph) == []


def test_a_cycle_closed_by_an_import_inside_a_function_is_found(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg.sub import b\n")
    (pkg / "sub" / "b.py").write_text("def f():\n    from .. import c\n")
    (pkg / "c.py").write_text("import pkg.a as alias\n")
    (pkg / "d.py").write_text("from pkg.a import thing\n")  # imports into the cycle, is not part of it
    (pkg / "e.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import d\n")
    (pkg / "sub" / "f.py").write_text("import pkg.e\n")
    graph = import_graph(pkg, "pkg")
    assert graph["pkg.sub.b"] == {"pkg.c"} and graph["pkg.e"] == set()  # annotations only: never runs
    assert cycles(graph) == [["pkg.a", "pkg.c", "pkg.sub.b"]]
