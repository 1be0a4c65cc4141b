"""The jobs port (statuspage.core.jobs): background work asked for by name, run by tasks/."""

from __future__ import annotations

import ast
from typing import Any

import pytest
from flask import Flask

from statuspage import ROOT
from statuspage.core import jobs
from statuspage.core.extensions import db
from statuspage.tasks import runner
from statuspage.tasks.queues import huey, sms_huey

ASKING = ("enqueue", "enqueue_or_retry", "enqueue_after_commit")


def _job_names_asked_for() -> dict[str, list[str]]:
    """Every job name passed as a literal to core.jobs in statuspage/, with where."""
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / "statuspage").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "jobs"
                    and node.func.attr in ASKING):
                continue
            # enqueue_after_commit(session, name, ...); the others (name, ...)
            args = node.args[1:] if node.func.attr == "enqueue_after_commit" else node.args
            assert args and isinstance(args[0], ast.Constant), \
                f"{path}:{node.lineno}: name the job with a literal, so it can be checked"
            found.setdefault(str(args[0].value), []).append(f"{path.name}:{node.lineno}")
    return found


def test_every_job_the_code_asks_for_is_a_registered_task_and_every_task_is_asked_for() -> None:
    asked = _job_names_asked_for()
    assert set(asked) - set(runner.JOBS) == set(), "asked for but no task runs it"
    assert set(runner.JOBS) - set(asked) == set(), "a registered job nobody asks for"


def test_an_unknown_job_is_refused(app: Flask) -> None:
    with pytest.raises(LookupError, match="no job is called 'nope'"):
        jobs.enqueue("nope")


def test_asking_before_the_app_installed_the_queue_is_an_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs, "_installed", {})
    with pytest.raises(RuntimeError, match="before the app installed its task queue"):
        jobs.enqueue("sms_pump")


@pytest.fixture
def recorded(app: Flask, monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """The jobs queued, instead of running them."""
    calls: list[tuple[Any, ...]] = []
    monkeypatch.setitem(runner.JOBS, "expand_event",
                        lambda *args: calls.append(("expand_event", *args)))
    return calls


def test_after_commit_jobs_run_once_after_the_commit_and_never_after_a_rollback(
        recorded: list[tuple[Any, ...]]) -> None:
    jobs.enqueue_after_commit(db.session, "expand_event", 7, what="event 7")
    jobs.enqueue_after_commit(db.session, "expand_event", 7, what="event 7 again")
    jobs.enqueue_after_commit(db.session, "expand_event", 8, what="event 8")
    assert recorded == []  # nothing before the commit
    db.session.commit()
    assert recorded == [("expand_event", 7), ("expand_event", 8)]

    jobs.enqueue_after_commit(db.session, "expand_event", 9, what="event 9")
    db.session.rollback()
    db.session.commit()
    assert recorded == [("expand_event", 7), ("expand_event", 8)]


def test_a_queue_that_refuses_after_the_commit_is_logged_not_raised(
        app: Flask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def down(*_: object) -> None:
        raise ConnectionError("queue down")

    monkeypatch.setitem(runner.JOBS, "expand_event", down)
    jobs.enqueue_after_commit(db.session, "expand_event", 3, what="the expansion of event 3")
    db.session.commit()  # the commit stands
    assert "could not enqueue the expansion of event 3 (ConnectionError: queue down)" \
        in caplog.text


@pytest.mark.parametrize("queue", ["", "sms"])
def test_a_queue_store_keeps_values_and_named_locks(app: Flask, queue: str) -> None:
    store = jobs.store(queue)
    store.put("test-key", (1, "two"))
    assert store.get("test-key") == (1, "two")
    assert store.get("test-key") == (1, "two")  # read, not taken
    store.delete("test-key")
    assert store.get("test-key") is None

    lock = store.lock("test-lock")
    lock.acquire()
    try:
        assert lock.is_locked()
        with pytest.raises(jobs.Locked):
            store.lock("test-lock").acquire()
    finally:
        lock.release()
    assert not lock.is_locked()
    store.lock("test-lock").acquire()
    assert store.lock("test-lock").clear()  # a dead holder's lock, taken back
    assert not lock.is_locked()


def test_each_queue_has_its_own_store(app: Flask) -> None:
    jobs.store("sms").put("where", "sms")
    try:
        assert jobs.store("").get("where") is None
        assert sms_huey.get("where", peek=True) == "sms"
        assert huey.get("where", peek=True) is None
    finally:
        jobs.store("sms").delete("where")
