"""The worker processes of bench/fanout.py, started from the Procfile's own command lines.

The fan-out runs in two consumers, as in production: `worker` (expansion, email, webhooks,
periodic recovery) and `sms` (the paced SMS pump). Each is started with `exec`, so its pid is
the consumer's own and /proc tells its peak memory and CPU time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The Procfile's long-running consumers this benchmark starts.
CONSUMERS = ("worker", "sms")


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


class Consumers:
    """The `worker` and `sms` processes of one fan-out; logs in `workdir`."""

    def __init__(self, env: dict[str, str], workdir: Path, threads: int) -> None:
        commands = procfile()
        self.logs = {name: workdir / f"{name}.log" for name in CONSUMERS}
        env = {**env, "WORKER_CONCURRENCY": str(threads)}
        self.procs = {
            name: subprocess.Popen(
                ["bash", "-c", f"exec {commands[name]}"], env=env, cwd=ROOT,
                stdout=self.logs[name].open("ab"), stderr=subprocess.STDOUT,
                start_new_session=True)
            for name in CONSUMERS
        }

    def started(self) -> bool:
        return all("consumer started" in path.read_text(errors="replace").lower()
                   for path in self.logs.values())

    def check(self, what: str) -> None:
        """SystemExit with the log of a consumer that exited."""
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise SystemExit(f"the {name} consumer exited while waiting for {what}:\n"
                                 + self.tail())

    def tail(self) -> str:
        return "\n".join(f"--- {name}\n{path.read_text(errors='replace')[-3000:]}"
                         for name, path in self.logs.items())

    def peak_memory_kb(self) -> dict[str, int]:
        """VmHWM of each consumer."""
        return {name: _status_kb(proc.pid, "VmHWM") for name, proc in self.procs.items()}

    def cpu_seconds(self) -> dict[str, float]:
        """User + system CPU time each consumer has used so far (its worker processes'
        included, living or ended)."""
        used = {}
        for name, proc in self.procs.items():
            used[name] = process_cpu_seconds(proc.pid) + sum(
                process_cpu_seconds(child) for child in _children(proc.pid))
        return used


    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGINT)
        deadline = time.monotonic() + 20
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/{pid}/status")


def process_cpu_seconds(pid: int, children: bool = True) -> float:
    """User + system CPU time of one process, with its ended children's (`children`)."""
    try:
        # Fields after the command name (which may hold spaces): utime is the 14th field.
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def named_cpu_seconds(command: str) -> float:
    """CPU time of every process named `command` on this machine (e.g. the PostgreSQL server
    the bench writes to: its backends, and through the postmaster those that ended)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if text[text.find("(") + 1:text.rfind(")")] == command:
            total += process_cpu_seconds(int(stat.parent.name))
    return total
