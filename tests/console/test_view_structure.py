"""The console's views stay thin and self-contained (issue 11, item 5): checked on the source.

Each view module keeps its private helpers to itself (shared ones are public, in a shared
module such as console/compose.py or console/incident_page.py), and no view function grows
past VIEW_LINES: the composer cascade lives once, in console/compose.py.
"""

from __future__ import annotations

import ast
from pathlib import Path

import statuspage.console

CONSOLE = Path(statuspage.console.__file__).parent
PACKAGE = "statuspage.console"
# A view parses input, calls one use-case and chooses the response: this is plenty.
VIEW_LINES = 25


def _modules() -> list[tuple[str, ast.Module]]:
    return [(path.name, ast.parse(path.read_text(encoding="utf-8"), str(path)))
            for path in sorted(CONSOLE.glob("*.py"))]


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _private_imports(tree: ast.Module) -> list[str]:
    """`from statuspage.console.x import _y`, and `x._y` on a console module bound by name."""
    found = []
    console_modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(PACKAGE):
            for alias in node.names:
                if node.module != PACKAGE and _private(alias.name):
                    found.append(f"from {node.module} import {alias.name} (line {node.lineno})")
                if node.module == PACKAGE:
                    console_modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(PACKAGE + ".") and alias.asname:
                    console_modules.add(alias.asname)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in console_modules and _private(node.attr)):
            found.append(f"{node.value.id}.{node.attr} (line {node.lineno})")
    return found


def _is_view(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Registered on the blueprint: `@bp.get(...)`, `@bp.post(...)`, `@bp.route(...)`."""
    return any(isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute)
               and isinstance(d.func.value, ast.Name) and d.func.value.id == "bp"
               and d.func.attr in {"get", "post", "route"}
               for d in function.decorator_list)


def test_no_console_module_imports_another_modules_private_names() -> None:
    offenders = {name: found for name, tree in _modules() if (found := _private_imports(tree))}
    assert offenders == {}


def test_private_import_check_sees_both_forms() -> None:
    """The check itself: it finds a private name imported either way (never vacuous)."""
    tree = ast.parse("from statuspage.console.incident_views import _detail\n"
                     "from statuspage.console import composer\n"
                     "composer._hidden()\n")
    assert _private_imports(tree) == [
        "from statuspage.console.incident_views import _detail (line 1)",
        "composer._hidden (line 3)",
    ]


def test_no_console_view_function_is_long() -> None:
    views = [(name, node) for name, tree in _modules() for node in ast.walk(tree)
             if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _is_view(node)]
    assert len(views) > 50  # the walk really finds the views
    long_views = {f"{name}:{node.name}": node.end_lineno - node.lineno + 1
                  for name, node in views
                  if node.end_lineno is not None and node.end_lineno - node.lineno + 1 > VIEW_LINES}
    assert long_views == {}
