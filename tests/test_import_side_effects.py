"""Importing the code reads no setting and touches no disk: settings come from config.py,
read when an app (or the task consumer's app) is built, and files are made on first use."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Run in a fresh interpreter with an empty environment except INSTANCE_PATH (a folder that does
# not exist). An audit hook records every file opened for writing, folder made and SQLite
# database opened; a recording os.environ records every variable read from statuspage code.
PROBE = r"""
import importlib, json, os, pkgutil, sys
sys.dont_write_bytecode = True
root = os.path.join(sys.argv[1], "statuspage") + os.sep
touched = []

def audit(event, args):
    if event == "open" and args[0] is not None and not isinstance(args[0], int):
        mode, flags = args[1], args[2] or 0
        writing = (mode and any(c in mode for c in "wax+")) or flags & (os.O_WRONLY | os.O_RDWR)
        if writing:
            touched.append(f"open {args[0]}")
    elif event in {"os.mkdir", "sqlite3.connect", "shutil.copyfile"}:
        touched.append(f"{event} {args[0]}")

class Recording(dict):
    reads = []
    def _note(self, key):
        caller = sys._getframe(2).f_code.co_filename
        if caller.startswith(root):
            self.reads.append(f"{key} in {caller}")
    def get(self, key, default=None):
        self._note(key)
        return super().get(key, default)
    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)
    def __contains__(self, key):
        self._note(key)
        return super().__contains__(key)

os.environ = Recording(os.environ)
sys.addaudithook(audit)
import statuspage
names = [m.name for m in pkgutil.walk_packages(statuspage.__path__, "statuspage.")]
for name in names:
    importlib.import_module(name)
print(json.dumps({"modules": len(names), "touched": touched, "reads": Recording.reads}))
"""


def test_importing_every_module_reads_no_setting_and_writes_nothing(tmp_path: Path) -> None:
    instance = tmp_path / "missing"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(ROOT)], cwd=tmp_path, capture_output=True, text=True,
        env={"INSTANCE_PATH": str(instance)}, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["modules"] > 50  # every module, the task modules included
    assert found["reads"] == []
    assert found["touched"] == []
    assert not any(tmp_path.iterdir())  # neither the instance folder nor anything else
