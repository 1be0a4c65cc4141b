"""The Procfile's release, web, worker and sms commands, run as real processes (as `make run`)."""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from statuspage import ROOT

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent


def _procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"HUEY_IMMEDIATE"}}
    env.update(
        INSTANCE_PATH=str(tmp_path),
        PATH=f"{BIN}:{env.get('PATH', '')}",
        PORT=str(_free_port()),
        ADMIN_PASSWORD="process test password",
        # Its own database, never the shared test database: `release` migrates what it is given.
        DATABASE_URL=f"sqlite:///{tmp_path / 'app.sqlite3'}",
    )
    return env


def _run(command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", command], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False)


@pytest.fixture
def started(env: dict[str, str]) -> Iterator[list[subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def _get(url: str, deadline: float) -> tuple[int, str]:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # loopback only
                return response.status, response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_release_seed_web_and_worker_serve_the_demo_page(
    env: dict[str, str], started: list[subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    procfile = _procfile()
    release = _run(procfile["release"], env)
    assert release.returncode == 0, release.stderr
    seed = _run("flask --app statuspage seed-demo", env)
    assert seed.returncode == 0, seed.stderr
    assert "/console" in seed.stdout and "admin@example.com" in seed.stdout

    logs = {name: tmp_path / f"{name}.log" for name in ("worker", "sms")}
    for name in ("web", "worker", "sms"):
        started.append(subprocess.Popen(
            ["bash", "-c", f"exec {procfile[name]}"], env=env, cwd=ROOT, start_new_session=True,
            stdout=logs[name].open("wb") if name in logs else subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        ))
    base = f"http://127.0.0.1:{env['PORT']}"
    status, body = _get(f"{base}/readyz", time.monotonic() + 30)
    assert status == 200 and '"ok"' in body
    status, body = _get(f"{base}/", time.monotonic() + 10)
    assert status == 200
    assert "Delayed SMS notifications" in body and "Database upgrade" in body
    status, body = _get(f"{base}/api/v2/summary.json", time.monotonic() + 10)
    assert status == 200 and "Delayed SMS notifications" in body

    deadline = time.monotonic() + 20
    for name, path in logs.items():
        while b"consumer started" not in path.read_bytes().lower():
            assert time.monotonic() < deadline, f"{name} did not start"
            time.sleep(0.2)
    time.sleep(1)
    assert all(proc.poll() is None for proc in started), "a process exited early"
    # Huey's consumer, started by statuspage.tasks.consumer so it logs in the service's format.
    assert shlex.split(procfile["worker"])[:4] == ["python", "-m", "statuspage.tasks.consumer",
                                                   "statuspage.tasks.huey"]
    # The SMS pump is consumed by the `sms` process only, never in the worker's threads.
    assert "+ statuspage.tasks.delivery.sms_pump" in logs["sms"].read_text()
    assert "sms_pump" not in logs["worker"].read_text()


def test_make_run_starts_every_long_running_process_of_the_procfile() -> None:
    run = next(line for line in (ROOT / "Makefile").read_text().splitlines()
               if "honcho start" in line)
    assert set(_procfile()) - {"release"} == set(run.split("$(PORT)", 1)[1].split())
