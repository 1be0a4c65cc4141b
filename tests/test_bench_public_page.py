"""bench/public_page.py runs with the wrk Debian ships, which takes whole-unit durations only."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys

import pytest

from statuspage import ROOT


def _bench() -> object:
    spec = importlib.util.spec_from_file_location("bench_public_page",
                                                  ROOT / "bench" / "public_page.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


def test_wrk_durations_are_whole_seconds() -> None:
    duration = _bench().wrk_duration  # type: ignore[attr-defined]
    assert [duration(s) for s in (0.2, 1.0, 1.5, 12)] == ["1s", "1s", "2s", "12s"]


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_the_installed_wrk_accepts_the_duration() -> None:
    # Refused options print the usage; a good command line only fails to connect.
    duration = _bench().wrk_duration(1.5)  # type: ignore[attr-defined]
    out = subprocess.run(["wrk", "-t", "1", "-c", "1", "-d", duration, "http://127.0.0.1:9/"],
                         capture_output=True, text=True, timeout=30)
    assert "Usage:" not in out.stdout + out.stderr
