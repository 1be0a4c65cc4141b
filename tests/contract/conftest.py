"""Prism mocks of SendGrid and Twilio, served from the providers' own OpenAPI files.

Prism validates every request against the spec: a SendGrid request that breaks it gets a 400
with an `sl-violations` header, a Twilio request a 422 problem+json. The tests send through the
real channels, so a field the SDKs or our code get wrong fails here (providers.md, "Local mocks").

Prism is a Node program installed outside the Python environment:
    npm install --prefix .prism --no-audit --no-fund --save-exact @stoplight/prism-cli@5.14.2
(or scripts/prism.sh). Without it these tests skip with "prism not installed"; set
REQUIRE_PRISM=1 (CI) to make that a failure instead. PRISM_BIN and PROVIDER_SPECS_DIR override
where the binary and the spec files are looked for.
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SPECS = Path(os.environ.get("PROVIDER_SPECS_DIR") or REPO.parent / "shared" / "provider-specs")
SENDGRID_SPEC = "tsg_mail_v3.patched.json"
TWILIO_SPEC = "twilio_api_v2010.json"
START_TIMEOUT_SECONDS = 60


@dataclass
class PrismMock:
    url: str
    process: subprocess.Popen[str]
    log: list[str]


def _missing(reason: str) -> None:
    if os.environ.get("REQUIRE_PRISM", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"REQUIRE_PRISM is set but {reason}", pytrace=False)
    pytest.skip(reason)


def _prism_bin() -> str | None:
    configured = os.environ.get("PRISM_BIN")
    if configured:
        return configured if Path(configured).exists() else None
    local = REPO / ".prism" / "node_modules" / ".bin" / "prism"
    if local.exists():
        return str(local)
    return shutil.which("prism")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class _Launch:
    spec: Path
    port: int
    process: subprocess.Popen[str]
    lines: queue.Queue[str | None]
    log: list[str]


def _launch(binary: str, spec: Path) -> _Launch:
    port = _free_port()
    process = subprocess.Popen(
        [binary, "mock", "-h", "127.0.0.1", "-p", str(port), "--errors", str(spec)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    launch = _Launch(spec, port, process, queue.Queue(), [])

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            launch.log.append(line)
            launch.lines.put(line)
        launch.lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return launch


def _ready(launch: _Launch, deadline: float) -> PrismMock:
    while time.monotonic() < deadline:
        try:
            line = launch.lines.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            break
        if line is None:
            break
        if "Prism is listening" in line:
            return PrismMock(url=f"http://127.0.0.1:{launch.port}", process=launch.process,
                             log=launch.log)
    pytest.fail(f"Prism did not start for {launch.spec.name}:\n{''.join(launch.log[-20:])}",
                pytrace=False)


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is not None:
        return
    # The process group holds only what we started (start_new_session=True).
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def prism() -> Iterator[dict[str, PrismMock]]:
    """Both mocks, started once per session: {"sendgrid": ..., "twilio": ...}."""
    binary = _prism_bin()
    if binary is None:
        _missing("prism not installed")
    specs = {"sendgrid": SPECS / SENDGRID_SPEC, "twilio": SPECS / TWILIO_SPEC}
    for path in specs.values():
        if not path.exists():
            _missing(f"provider spec not found: {path}")
    assert binary is not None
    # Both start at once: each takes a few seconds to load its spec.
    launches = {name: _launch(binary, path) for name, path in specs.items()}
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        yield {name: _ready(launch, deadline) for name, launch in launches.items()}
    finally:
        for launch in launches.values():
            _stop(launch.process)
