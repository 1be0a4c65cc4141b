"""The README's "How the code is laid out" and the layer contract stay true to statuspage/.

A new top-level package must be described in the README and placed in a layer of the
import-linter contract (pyproject.toml), or `make lint` would not check what it imports.
"""

from __future__ import annotations

import re
import tomllib

from statuspage import ROOT

PACKAGE = ROOT / "statuspage"


def _section() -> str:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("## How the code is laid out")
    end = readme.find("\n## ", start + 1)
    return readme[start:end if end != -1 else None]


def _top_level() -> set[str]:
    """`name/` for each package of statuspage/, `name.py` for each module but the factory."""
    packages = {f"{path.parent.name}/" for path in PACKAGE.glob("*/__init__.py")}
    modules = {path.name for path in PACKAGE.glob("*.py") if path.name != "__init__.py"}
    return packages | modules


def _layers() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    [contract] = [c for c in config["contracts"] if c["type"] == "layers"]
    return [name.strip() for layer in contract["layers"] for name in re.split(r"[|:]", layer)]


def test_every_top_level_package_is_described_in_the_readme() -> None:
    section = _section()
    missing = sorted(name for name in _top_level() if f"`{name}`" not in section)
    assert missing == [], f"describe them in README's 'How the code is laid out': {missing}"


def test_every_path_the_section_names_exists() -> None:
    named = set(re.findall(r"`([\w/]+(?:/|\.py))`", _section()))
    assert named, "the section names no paths"
    gone = sorted(path for path in named
                  if not (PACKAGE / path).exists() and not (ROOT / path).exists())
    assert gone == [], f"the README names paths that do not exist: {gone}"


def test_every_top_level_package_is_in_a_layer_of_the_contract() -> None:
    layers = _layers()
    assert len(layers) == len(set(layers)), "a package is in two layers"
    expected = {name.removesuffix("/").removesuffix(".py") for name in _top_level()}
    assert sorted(expected - set(layers)) == [], "not in a layer: make lint would not check it"
    assert sorted(set(layers) - expected) == [], "a layer names no package of statuspage/"


def test_no_module_is_over_300_lines() -> None:
    """Small modules, one idea each (house style): a module that grows past 300 lines holds
    two ideas; split it where they part."""
    long = sorted((len(path.read_text().splitlines()), path.relative_to(ROOT).as_posix())
                  for path in PACKAGE.rglob("*.py"))
    assert [entry for entry in long if entry[0] > 300] == []
