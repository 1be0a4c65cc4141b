"""The documented production layout runs each Procfile process type on its own (docs/deploy)."""

from __future__ import annotations

import configparser
import re

from statuspage import ROOT
from statuspage.tasks.consumer import MAX_POLL_SECONDS, STOP_TIMEOUT_SECONDS, consumer_config


def _unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(ROOT / "docs" / "deploy" / "statuspage@.service")
    return parser


def test_each_process_type_is_its_own_unit_restarted_alone() -> None:
    service = _unit()["Service"]
    # One Procfile line per instance (statuspage@web, @worker, @sms), never all of them.
    assert service["ExecStart"].split()[-3:] == ["--port", "${PORT}", "%i"]
    assert " start " in service["ExecStart"] and "honcho" in service["ExecStart"]
    assert service["Restart"] == "always"
    procfile = (ROOT / "Procfile").read_text()
    for name in ("web", "worker", "sms", "release"):
        assert f"\n{name}: " in f"\n{procfile}", name


def test_the_readme_documents_the_layout_and_what_make_run_does() -> None:
    readme = (ROOT / "README.md").read_text()
    production = readme.split("## Running in production", 1)[1].split("\n## ", 1)[0]
    assert "docs/deploy/statuspage@.service" in production
    assert "statuspage@worker" in production
    assert "make run" in production and "stops" in production


def test_every_process_stops_by_itself_before_systemd_would_kill_it() -> None:
    """gunicorn's graceful timeout and the consumers' stop timeout end before TimeoutStopSec,
    after which systemd sends SIGKILL (and with it the kill -9 window of the README)."""
    service = _unit()["Service"]
    assert service["KillMode"] == "mixed"  # SIGTERM to honcho, which passes it on
    kill_after = int(service["TimeoutStopSec"])
    found = re.search(r"--graceful-timeout (\d+)", (ROOT / "Procfile").read_text())
    assert found, "the Procfile's web line sets no --graceful-timeout"
    assert int(found.group(1)) + 5 <= kill_after
    assert kill_after >= STOP_TIMEOUT_SECONDS + 5


def test_an_idle_worker_looks_at_a_polled_queue_at_least_twice_a_second() -> None:
    # huey's default lets an idle thread's wait grow to 10 s: the first publish after a quiet
    # minute would wait that long on the embedded SQLite queue.
    config, path = consumer_config(["statuspage.tasks.huey", "-w", "2", "-k", "thread"])
    assert path == "statuspage.tasks.huey"
    assert config.max_delay == MAX_POLL_SECONDS <= 0.5
    assert config.graceful_signal == "TERM"
    assert consumer_config(["statuspage.tasks.huey", "-m", "3"])[0].max_delay == 3
