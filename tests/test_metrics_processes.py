"""GET /metrics from real gunicorn processes: every worker answers alike, the private-bind
app serves it without a token, and every web, worker and sms process beats."""

from __future__ import annotations

import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from statuspage import ROOT
from tests.test_processes import _free_port, _get, _procfile, _run, env, started

pytestmark = pytest.mark.slow
__all__ = ["env", "started"]  # fixtures shared with test_processes
TOKEN = "process-metrics-token-0123"
# Figures that change as processes start and serve (every process reports the same rows, but
# a gunicorn worker's heartbeat begins with its first request).
PER_PROCESS = ("statuspage_metrics_scrape", "statuspage_process", "statuspage_public_cache")


def _scrape(url: str, token: str | None) -> dict[tuple[str, str], float]:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:  # loopback only
        text = response.read().decode()
    return {(s.name, repr(sorted(s.labels.items()))): s.value
            for f in text_string_to_metric_families(text) for s in f.samples
            if not s.name.startswith(PER_PROCESS)
            and not s.name.endswith("age_seconds") and not s.name.endswith("wait_seconds")}


def test_every_gunicorn_worker_gives_the_same_figures(
        env: dict[str, str], started: list[subprocess.Popen[bytes]], tmp_path: Path) -> None:
    env.update(METRICS_TOKEN=TOKEN, WEB_CONCURRENCY="3", PROCESS_HEARTBEAT_SECONDS="0.5")
    assert _run(_procfile()["release"], env).returncode == 0
    assert _run("flask --app statuspage seed-demo", env).returncode == 0
    private = _free_port()
    without_token = {k: v for k, v in env.items() if k != "METRICS_TOKEN"}
    for command, its_env in (
            (f"exec {_procfile()['web']}", env),
            (f"exec gunicorn --bind 127.0.0.1:{private} --workers 1 "
             "'statuspage:create_metrics_app()'", without_token)):
        started.append(subprocess.Popen(["bash", "-c", command], env=its_env, cwd=ROOT,
                                        start_new_session=True, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL))
    base = f"http://127.0.0.1:{env['PORT']}"
    assert _get(f"{base}/readyz", time.monotonic() + 30)[0] == 200

    scrapes = [_scrape(f"{base}/metrics", TOKEN) for _ in range(12)]
    first = scrapes[0]
    assert first[("statuspage_metrics_database_up", "[]")] == 1
    assert sum(v for (name, _), v in first.items() if name == "statuspage_incidents_open") >= 1
    assert all(scrape == first for scrape in scrapes)

    _get(f"http://127.0.0.1:{private}/readyz", time.monotonic() + 30)
    assert _scrape(f"http://127.0.0.1:{private}/metrics", None) == first
    with pytest.raises(urllib.error.HTTPError) as refused:
        _scrape(f"{base}/metrics", "wrong-token-0123456789")
    assert refused.value.code == 401

    # Per-process figures: each process's heartbeat, and every web process's cache counts.
    for name in ("worker", "sms"):
        started.append(subprocess.Popen(["bash", "-c", f"exec {_procfile()[name]}"], env=env,
                                        cwd=ROOT, start_new_session=True,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    for _ in range(20):
        assert _get(f"{base}/api/v2/summary.json", time.monotonic() + 5)[0] == 200
    deadline = time.monotonic() + 30
    while True:
        alive, served = _per_process(f"{base}/metrics")
        if alive.get("worker") == 1 and alive.get("sms") == 1 and served == 20:
            break
        assert time.monotonic() < deadline, (alive, served)
        time.sleep(0.3)
    # A gunicorn worker beats from its first request; the private metrics bind is one too.
    assert 1 <= alive["web"] <= 4


def _per_process(url: str) -> tuple[dict[str, float], float]:
    """Processes alive by kind, and the public requests all web processes answered."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:  # loopback only
        text = response.read().decode()
    alive: dict[str, float] = {}
    served = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "statuspage_processes_alive":
                alive[sample.labels["kind"]] = sample.value
            elif sample.name == "statuspage_public_cache_requests_total":
                served += sample.value
    return alive, served


