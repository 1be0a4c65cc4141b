"""The Procfile's processes log through statuspage.core.logging_setup: with LOG_FORMAT=json every
line they write is one JSON object, web lines carry the request id, worker lines the delivery
id, and no line holds a secret (a webhook's URL, a link token, a query string)."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from statuspage import ROOT
from tests.delivery_support import add_subscribers, store_open_plan
from tests.test_processes import _get, _procfile, env, started  # noqa: F401  (fixtures)
from tests.worker_support import provider_env, worker_site

pytestmark = pytest.mark.slow


def _json_lines(path: Path) -> list[dict[str, Any]]:
    """Every line of the file as JSON (fails on a line that is not)."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_the_web_process_writes_json_lines_with_the_request_id(
    env: dict[str, str], started: list[subprocess.Popen[bytes]],  # noqa: F811
    tmp_path: Path,
) -> None:
    env["LOG_FORMAT"] = "json"
    log = tmp_path / "web.log"
    started.append(subprocess.Popen(
        ["bash", "-c", f"exec {_procfile()['web']}"], env=env, cwd=ROOT,
        start_new_session=True, stdout=log.open("wb"), stderr=subprocess.STDOUT))
    base = f"http://127.0.0.1:{env['PORT']}"
    assert _get(f"{base}/healthz", time.monotonic() + 30)[0] == 200
    request = urllib.request.Request(f"{base}/healthz?token=s3cret",
                                     headers={"X-Request-ID": "proc-test-1"})
    with urllib.request.urlopen(request, timeout=5) as response:  # loopback only
        assert response.headers["X-Request-ID"] == "proc-test-1"

    deadline = time.monotonic() + 10
    while "proc-test-1" not in log.read_text():
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.1)
    lines = _json_lines(log)
    [access] = [e for e in lines if e.get("request_id") == "proc-test-1"]
    assert access["logger"] == "gunicorn.access" and access["level"] == "INFO"
    assert access["message"] == "GET /healthz 200" and access["status"] == 200
    assert any(e["logger"] == "gunicorn.error" and "Booting worker" in e["message"]
               for e in lines)
    assert all({"time", "level", "logger", "message"} <= set(e) for e in lines)
    assert "s3cret" not in log.read_text()


def test_a_worker_writes_json_lines_with_the_delivery_id_and_no_webhook_url(
    tmp_path: Path,
) -> None:
    closed = "http://127.0.0.1:9"  # nothing listens: the webhook send fails and is retried
    settings = provider_env(closed, closed, LOG_FORMAT="json")
    with worker_site(tmp_path, settings) as site:
        with site.app.app_context():
            store_open_plan()
            [delivery_subscriber] = add_subscribers(
                1, "webhook", address=lambda n: f"{closed}/hooks/s3cret-path?key=s3cret")
            del delivery_subscriber
        site.start_consumer(workers=1)
        site.publish()
        log = next(tmp_path.glob("consumer-*.log"))

        def retried() -> bool:
            return "will be retried" in log.read_text()

        site.wait_until(retried, 60, "the webhook's failure to be logged")
    lines = _json_lines(log)
    [failure] = [e for e in lines if "will be retried" in e["message"]]
    assert failure["logger"] == "statuspage.delivery.send"
    assert isinstance(failure["delivery_id"], int)
    assert any("consumer started" in e["message"].lower() for e in lines)
    assert "s3cret" not in log.read_text()
