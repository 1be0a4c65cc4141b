"""Import rules import-linter cannot state, checked over statuspage/ (run by `make lint`).

1. No function-level imports, except in the app factory (statuspage/__init__.py) and the
   channel registry (statuspage/notify/registry.py), where importing late is the point: the
   factory wires everything up, the registry loads only the provider SDK that is configured.
   An import inside a function hides a dependency from the reader and from the layer
   contracts, and is how import cycles used to be papered over.
2. No import cycle between the packages of one level (statuspage.core, statuspage.page, ...;
   statuspage.delivery.sms, ...), counting every import, including those made only for type
   checking. Cycles inside one package are its own business.

Usage: python scripts/check_imports.py [ROOT]   (exit status 1 and one line per finding)
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

ALLOWED_LATE = {"statuspage/__init__.py", "statuspage/notify/registry.py"}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def late_imports(tree: ast.AST) -> list[int]:
    """Line numbers of imports made inside a function."""
    found: list[int] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom) and in_function:
                found.append(child.lineno)
            inner = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef
                                              | ast.Lambda)
            visit(child, inner)

    visit(tree, False)
    return found


def imported_modules(tree: ast.AST, name: str, is_package: bool, known: set[str]) -> set[str]:
    """The statuspage modules `name` imports (a `from package import module` names the
    module)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names
                         if f"{base}.{alias.name}" in known)
    return {m for m in found if m in known}


def package_of(module: str, level: int) -> str | None:
    parts = module.split(".")
    return ".".join(parts[:level + 1]) if len(parts) > level else None


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(edges.get(node, ())):
            if other not in index:
                connect(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            connect(node)
    return found


def main(root: Path) -> int:
    problems: list[str] = []
    paths = sorted((root / "statuspage").rglob("*.py"))
    trees = {path: ast.parse(path.read_text(), str(path)) for path in paths}
    names = {path: module_name(path, root) for path in paths}
    known = set(names.values())
    for path, tree in trees.items():
        relative = path.relative_to(root).as_posix()
        if relative not in ALLOWED_LATE:
            problems += [f"{relative}:{line}: import inside a function (move it to the top; "
                         f"ask for background work through core.jobs)"
                         for line in late_imports(tree)]
    graph = {names[path]: imported_modules(tree, names[path], path.name == "__init__.py", known)
             for path, tree in trees.items()}
    packages = {names[path] for path in paths if path.name == "__init__.py"}
    for level in range(1, max(name.count(".") for name in known) + 1):
        edges: dict[str, set[str]] = defaultdict(set)
        for source, targets in graph.items():
            for target in targets:
                a, b = package_of(source, level), package_of(target, level)
                if a in packages and b in packages and a != b \
                        and a.rsplit(".", 1)[0] == b.rsplit(".", 1)[0]:
                    edges[a].add(b)
        problems += [f"import cycle between packages: {' <-> '.join(cycle)}"
                     for cycle in cycles(edges)]
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()))
