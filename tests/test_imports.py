"""Imports point one way: no module of the package imports, directly or through others, a module
that imports it back. Imports inside functions count (they only hide a cycle until someone moves
them to the top). The layers themselves are import-linter's contract in pyproject.toml."""

import ast
import subprocess
import sys
from pathlib import Path

import eventcat


def module_name(package_dir: Path, package: str, path: Path) -> str:
    parts = list(path.relative_to(package_dir).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([package, *parts])


def import_graph(package_dir: Path, package: str) -> dict[str, set[str]]:
    """Module → the package's modules it imports anywhere in its code (also in functions and
    under TYPE_CHECKING), with relative imports resolved."""
    files = {module_name(package_dir, package, p): p for p in package_dir.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".")
                    base = base[: len(base) - node.level + (1 if is_package else 0)]
                    source = ".".join([*base, node.module] if node.module else base)
                else:
                    source = node.module or ""
                # `from . import x` imports the module x; `from .m import f` the module m
                targets = [source, *(f"{source}.{alias.name}" for alias in node.names)]
            else:
                continue
            for target in targets:
                while target and target not in files:  # a name inside a module: the module
                    target = target.rpartition(".")[0]
                if target and target != name and not name.startswith(target + "."):
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            child = next(edges, None)
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
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def test_the_package_has_no_import_cycle():
    package_dir = Path(eventcat.__file__).parent
    graph = import_graph(package_dir, "eventcat")
    assert len(graph) > 30 and "eventcat.render" in graph["eventcat.pipeline"]  # the graph is real
    assert cycles(graph) == []


def test_a_cycle_hidden_inside_a_function_is_found(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "a.py").write_text("from .b import thing\n")
    (package / "b.py").write_text("from .sub import c\nthing = 1\n")
    (package / "sub" / "c.py").write_text("def late():\n    from .. import a\n    return a\n")
    (package / "d.py").write_text("import pkg.a\n")
    graph = import_graph(package, "pkg")
    assert graph["pkg.sub.c"] == {"pkg.a"} and graph["pkg.d"] == {"pkg.a"}
    assert cycles(graph) == [["pkg.a", "pkg.b", "pkg.sub.c"]]
    (package / "sub" / "c.py").write_text("def late():\n    return 1\n")
    assert cycles(import_graph(package, "pkg")) == []


def test_the_roles_module_loads_alone_and_light():
    """Another Sphinx project loads eventcat.sphinx_domain on its own for the roles: it must not
    pull in the generator (templates, the model's validation, YAML)."""
    code = ("import sys, eventcat.sphinx_domain; "
            "print(' '.join(m for m in sys.modules if m.split('.')[0] in "
            "('eventcat', 'pydantic', 'yaml')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert set(loaded.stdout.split()) == {"eventcat", "eventcat.sphinx_domain", "eventcat.diagnostics",
                                          "eventcat.objects"}
