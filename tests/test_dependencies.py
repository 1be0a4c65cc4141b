"""The declared dependencies and the committed lock files agree with each other and the code.

Guarantees checked (fast: files are parsed, nothing is installed):
- every third-party module that `statuspage/` imports belongs to a distribution declared in
  pyproject's main `dependencies`, so `make run` (which installs only `requirements.lock`) can
  start everything; test tooling (the `dev` extra) is never imported by the app;
- `requirements.lock` pins every main dependency and `requirements-dev.lock` every main and dev
  dependency, each at a version inside its pyproject range, so an edited pyproject without
  `make lock` fails here;
- the runtime lock holds none of the dev tools and pins each package at the same version as
  the dev lock, so `make run` after `make test` (one shared virtualenv) changes nothing.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;\\]+)\s*(?:;(?P<marker>[^\\]+))?"
)


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _requirements(group: str) -> list[Requirement]:
    project = _pyproject()["project"]
    specs = project["dependencies"] if group == "main" else project["optional-dependencies"][group]
    return [Requirement(spec) for spec in specs]


def _pins(lock: str) -> dict[str, list[tuple[Version, Marker | None]]]:
    """Each pinned distribution of a lock file (canonical name) -> its (version, marker) pins."""
    pins: dict[str, list[tuple[Version, Marker | None]]] = {}
    for line in (ROOT / lock).read_text().splitlines():
        match = PIN.match(line)
        if match:
            marker = Marker(match["marker"].strip()) if match["marker"] else None
            name = canonicalize_name(match["name"])
            pins.setdefault(name, []).append((Version(match["version"]), marker))
    return pins


def _pinned_version(pins: dict[str, list[tuple[Version, Marker | None]]], name: str) -> Version:
    """The version a lock installs here (the pin whose marker, if any, holds on this Python)."""
    entries = pins.get(name, [])
    here = [version for version, marker in entries if marker is None or marker.evaluate()]
    assert len(here) == 1, f"{name}: expected one pin for this platform, found {here}"
    return here[0]


def _third_party_imports() -> dict[str, set[str]]:
    """Top-level module -> files of statuspage/ importing it, stdlib and the app left out."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / "statuspage").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in {"statuspage", "__future__"}:
                    found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_third_party_import_of_the_app_is_a_main_dependency() -> None:
    declared = {canonicalize_name(req.name) for req in _requirements("main")}
    distributions = packages_distributions()
    imports = _third_party_imports()
    assert {"flask", "sqlalchemy", "huey"} <= imports.keys()  # the scan sees the app's imports
    uncovered = {}
    for module, files in sorted(imports.items()):
        owners = {canonicalize_name(dist) for dist in distributions.get(module, [])}
        if not owners & declared:
            uncovered[module] = (sorted(owners) or ["not installed"], sorted(files)[:3])
    assert not uncovered, f"imported by statuspage/ but not in [project].dependencies: {uncovered}"


@pytest.mark.parametrize(
    ("lock", "groups"),
    [("requirements.lock", ["main"]), ("requirements-dev.lock", ["main", "dev"])],
)
def test_lock_pins_every_dependency_inside_its_pyproject_range(
    lock: str, groups: list[str]
) -> None:
    pins = _pins(lock)
    wrong = []
    for group in groups:
        for req in _requirements(group):
            name = canonicalize_name(req.name)
            if name not in pins:
                wrong.append(f"{req} ({group}) is not pinned")
                continue
            version = _pinned_version(pins, name)
            if not req.specifier.contains(version, prereleases=True):
                wrong.append(f"{req} ({group}) is pinned at {version}")
    assert not wrong, f"{lock} is stale, run `make lock`: " + "; ".join(wrong)


def test_runtime_lock_has_no_dev_tools_and_matches_the_dev_lock() -> None:
    runtime, dev = _pins("requirements.lock"), _pins("requirements-dev.lock")
    tools = {canonicalize_name(req.name) for req in _requirements("dev")}
    main = {canonicalize_name(req.name) for req in _requirements("main")}
    assert not (tools - main) & runtime.keys(), "requirements.lock installs test tooling"
    assert {"pytest", "playwright", "ruff"} <= tools  # the dev extra is what it claims to be
    differing = {
        name: (pins, dev.get(name)) for name, pins in runtime.items() if dev.get(name) != pins
    }
    assert not differing, f"the two locks disagree (run `make lock`): {differing}"
