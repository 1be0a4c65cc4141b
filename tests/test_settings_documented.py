"""Every setting the service reads from the environment has a row in README's Configuration
table: what config.py's load_config reads (seen by running it on a recording mapping, in
production and development shapes, and by reading its source), what the package reads from
os.environ directly, and the Procfile's ${VAR:-default} knobs."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from statuspage import ROOT
from statuspage.core.config import load_config

PACKAGE = Path(ROOT) / "statuspage"
_NAME = re.compile(r"^[A-Z][A-Z0-9_]+$")


class RecordingEnv(Mapping[str, str]):
    """An environment that remembers every variable asked for."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.asked: set[str] = set()

    def __getitem__(self, key: str) -> str:
        self.asked.add(key)
        return self.values[key]

    def get(self, key: str, default: object = None) -> object:  # type: ignore[override]
        self.asked.add(key)
        return self.values.get(key, default)

    def __contains__(self, key: object) -> bool:
        self.asked.add(str(key))
        return key in self.values

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)


def _read_by_load_config(tmp_path: Path) -> set[str]:
    asked: set[str] = set()
    shapes = [
        {},
        {"SECRET_KEY": "s" * 32, "PRODUCTION": "true", "REDIS_URL": "redis://127.0.0.1:6379/0",
         "DATABASE_URL": "postgresql://u@127.0.0.1/db", "TWILIO_FROM": "+15005550006"},
    ]
    for values in shapes:
        env = RecordingEnv(values)
        load_config(env, tmp_path)
        asked |= env.asked
    return asked


def _names_in_config_source() -> set[str]:
    """String constants that name a variable in calls given `env` (env.get("X"), _int(env, "X"))."""
    tree = ast.parse((PACKAGE / "core" / "config.py").read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        on_env = (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                  and func.value.id == "env")
        env_arg = any(isinstance(a, ast.Name) and a.id == "env" for a in node.args)
        if not (on_env or env_arg):
            continue
        for arg in node.args:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) \
                    and _NAME.match(arg.value):
                names.add(arg.value)
    return names


def _names_read_from_os_environ() -> set[str]:
    """os.environ.get("X"), os.environ["X"] and os.getenv("X") anywhere in the package."""
    names: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            key = None
            if isinstance(node, ast.Call) and node.args:
                text = ast.unparse(node.func)
                if text in ("os.environ.get", "os.getenv"):
                    key = node.args[0]
            elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
                key = node.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                names.add(key.value)
    return names


def _names_in_procfile() -> set[str]:
    return set(re.findall(r"\$\{([A-Z][A-Z0-9_]*):-", (Path(ROOT) / "Procfile").read_text()))


def _documented() -> set[str]:
    """Variables named (in backticks) in the first column of README's Configuration table."""
    readme = (Path(ROOT) / "README.md").read_text()
    section = readme.split("\n## Configuration", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        cells = line.split("|")
        if line.startswith("|") and len(cells) > 2:
            names |= {n for n in re.findall(r"`([^`]+)`", cells[1]) if _NAME.match(n)}
    return names


def test_the_recording_environment_sees_what_load_config_reads(tmp_path: Path) -> None:
    asked = _read_by_load_config(tmp_path)
    assert {"SECRET_KEY", "DATABASE_URL", "WEBHOOK_ALLOW_LOOPBACK", "FANOUT_BATCH_SIZE"} <= asked


def test_every_setting_has_a_row_in_the_readme_configuration_table(tmp_path: Path) -> None:
    read = (_read_by_load_config(tmp_path) | _names_in_config_source()
            | _names_read_from_os_environ() | _names_in_procfile())
    missing = sorted(read - _documented())
    assert missing == [], f"settings missing from README's Configuration table: {missing}"


def test_the_table_names_no_setting_that_nothing_reads(tmp_path: Path) -> None:
    read = (_read_by_load_config(tmp_path) | _names_in_config_source()
            | _names_read_from_os_environ() | _names_in_procfile())
    stale = sorted(_documented() - read)
    assert stale == [], f"README documents settings nothing reads: {stale}"
