"""Large subscriber imports run in the worker: the upload stores the file and returns.

The worker imports the stored file batch by batch, saving its cursor, counts and errors by
line after each batch, so the console shows the progress and a worker that dies is replaced
without losing or doubling a row.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from statuspage.core.extensions import db
from statuspage.models import Subscriber, SubscriberImport, User, utcnow
from statuspage.subscriptions import csv_rows as subscriber_csv
from statuspage.subscriptions import imports as subscriber_import
from statuspage.subscriptions.csv_rows import ImportOptions
from statuspage.tasks import subscriptions as subscription_tasks
from statuspage.tasks.queues import huey
from tests.console.conftest import LoginHelper
from tests.console.conftest_content import field_error
from tests.delivery_support import pending_task_names, queued_tasks, run_worker
from tests.factories import Factory

# Large enough to span many 500-row batches; the request must not depend on the size.
ROWS = 12_000
# Lines of the big file that are refused, and why (line 1 is the header).
BAD_LINES = {2: "not-an-email", 6_000: "pigeon", ROWS + 1: "also@bad@example.com"}


class WorkerKilled(BaseException):
    """Stands for kill -9: not an Exception, so nothing in the import catches it."""


def _big_file() -> bytes:
    lines = ["channel,address"]
    for line in range(2, ROWS + 2):
        if line == 6_000:
            lines.append("pigeon,coop 7")
        elif line in BAD_LINES:
            lines.append(f"email,{BAD_LINES[line]}")
        else:
            lines.append(f"email,reader{line}@example.com")
    return ("\n".join(lines) + "\n").encode()


def _post(client: FlaskClient, content: bytes, **fields: str):  # type: ignore[no-untyped-def]
    return client.post("/console/subscribers/import", data={
        "file": (io.BytesIO(content), "big.csv"), **fields,
    }, content_type="multipart/form-data")


def _subscribers() -> int:
    return db.session.scalar(select(func.count(Subscriber.id))) or 0


def _job() -> SubscriberImport:
    db.session.expire_all()
    return db.session.execute(select(SubscriberImport)).scalar_one()


def test_a_large_upload_returns_before_any_row_is_created_and_the_worker_imports_it(
    app: Flask, client: FlaskClient, login: LoginHelper,
) -> None:
    login(client, role="admin")
    with queued_tasks():
        response = _post(client, _big_file(), pre_confirmed="y", consent_note="CRM export")

        assert response.status_code == 303
        job = _job()
        assert response.headers["Location"].endswith(f"/console/subscribers/imports/"
                                                     f"{job.public_id}")
        # The request stored the file and queued the work; it created no subscriber.
        assert _subscribers() == 0
        assert (job.state, job.cursor, job.total_lines) == ("queued", 0, ROWS + 1)
        assert pending_task_names() == ["run_subscriber_import"]
        waiting = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "Waiting for the worker" in waiting and 'http-equiv="refresh"' in waiting

        run_worker(app)

    job = _job()
    assert job.state == "done"
    assert _subscribers() == ROWS - len(BAD_LINES)
    assert (job.imported, job.already_subscribed, job.error_count) == (
        ROWS - len(BAD_LINES), 0, len(BAD_LINES))
    assert [line for line, _ in job.errors] == sorted(BAD_LINES)
    page = client.get(f"/console/subscribers/imports/{job.public_id}").get_data(as_text=True)
    assert "Import finished" in page and 'http-equiv="refresh"' not in page
    assert re.search(rf"<strong>{ROWS - len(BAD_LINES)}</strong> imported", page)
    assert "<tr><td>6000</td><td>" in page
    active = db.session.scalar(select(func.count(Subscriber.id)).where(
        Subscriber.confirmed_at.is_not(None), Subscriber.consent_note == "CRM export"))
    assert active == ROWS - len(BAD_LINES)


def test_a_killed_worker_is_replaced_after_its_lease_without_losing_or_doubling_rows(
    app: Flask, factory: Factory, monkeypatch: pytest.MonkeyPatch,
) -> None:
    admin = factory.user(role="admin")
    monkeypatch.setattr(subscriber_import, "IMPORT_BATCH", 3)
    text = "channel,address\n" + "".join(
        "email,broken\n" if n == 4 else f"email,s{n}@acme.example\n" for n in range(2, 14))
    real_progress = subscriber_import._progress
    calls = 0

    def dies_on_the_second_batch(*args: object) -> bool:
        nonlocal calls
        calls += 1
        if calls == 2:  # the batch's rows are committed, its progress is not
            raise WorkerKilled
        return real_progress(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(subscriber_import, "_progress", dies_on_the_second_batch)
    with queued_tasks():
        job = subscriber_import.start_import(
            text.encode(), ImportOptions(pre_confirmed=True, consent_note="x"), admin)
        with pytest.raises(WorkerKilled):
            subscriber_import.run_import(job.id)
        job = _job()
        assert (job.state, job.cursor) == ("running", 5)  # lines 2-5: the first batch
        # Nobody takes over while the dead worker's lease runs.
        assert subscriber_import.resume_stalled(utcnow()) == []
        later = utcnow() + subscriber_import.LEASE + timedelta(seconds=1)
        assert subscriber_import.resume_stalled(later) == [job.id]
        monkeypatch.setattr(subscriber_import, "utcnow", lambda: later)
        run_worker(app)

    job = _job()
    assert job.state == "done" and job.cursor == 13
    addresses = list(db.session.execute(select(Subscriber.address)).scalars())
    assert sorted(addresses) == sorted(f"s{n}@acme.example" for n in range(2, 14) if n != 4)
    # The refused line is reported once; the batch saved before the crash was found saved.
    assert job.errors == [[4, job.errors[0][1]]] and job.error_count == 1
    assert job.imported + job.already_subscribed == 11
    assert job.already_subscribed == 3


def test_the_periodic_task_enqueues_an_import_whose_task_was_lost(
    app: Flask, factory: Factory,
) -> None:
    admin = factory.user(role="admin")
    resume = subscription_tasks.resume_subscriber_imports
    with queued_tasks():
        job = subscriber_import.start_import(
            b"channel,address\nemail,a@acme.example\n",
            ImportOptions(pre_confirmed=True, consent_note="x"), admin)
        huey.flush()  # the queue lost the task
        assert resume.call_local() == []  # the worker gets a minute to pick it up
        db.session.execute(update(SubscriberImport).values(
            created_at=utcnow() - timedelta(minutes=2)))
        db.session.commit()
        assert resume.call_local() == [job.id]
        assert pending_task_names() == ["run_subscriber_import"]
        run_worker(app)
    assert _job().state == "done" and _subscribers() == 1
    for minute in (0, 7, 59):
        assert resume.s().validate_datetime(utcnow().replace(minute=minute, second=0,
                                                             tzinfo=None))


def test_an_unexpected_error_stops_the_import_and_the_page_says_where(
    client: FlaskClient, login: LoginHelper, monkeypatch: pytest.MonkeyPatch,
) -> None:
    login(client, role="admin")
    monkeypatch.setattr(subscriber_import, "IMPORT_BATCH", 2)
    real_parse = subscriber_csv.parse

    def breaks_on_line_5(line: int, *args: object) -> subscriber_csv.Row:
        if line == 5:
            raise RuntimeError("database went away")
        return real_parse(line, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(subscriber_import, "parse", breaks_on_line_5)
    content = "channel,address\n" + "".join(f"email,s{n}@acme.example\n" for n in range(6))
    response = _post(client, content.encode(), pre_confirmed="y", consent_note="x")

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    job = _job()
    assert (job.state, job.cursor, job.imported) == ("failed", 3, 2)
    assert "database went away" in (job.failure or "")
    assert "stopped at line 3" in page and "database went away" in page
    assert _subscribers() == 2


def test_a_file_over_the_size_limit_is_refused_at_upload(
    client: FlaskClient, login: LoginHelper, monkeypatch: pytest.MonkeyPatch,
) -> None:
    login(client, role="communicator")
    monkeypatch.setattr(subscriber_import, "MAX_IMPORT_BYTES", 30)
    response = _post(client, b"channel,address\nemail,someone@acme.example\n")
    assert response.status_code == 422
    assert "larger than" in field_error(response.get_data(as_text=True), "file")
    assert db.session.scalar(select(func.count(SubscriberImport.id))) == 0


def test_the_import_page_lists_recent_imports_and_viewers_cannot_see_them(
    client: FlaskClient, login: LoginHelper, factory: Factory,
) -> None:
    user = login(client, role="communicator")
    _post(client, b"channel,address\nemail,a@acme.example\n")
    job = _job()
    assert job.actor_id == user.id and job.state == "done"
    listing = client.get("/console/subscribers/import").get_data(as_text=True)
    assert f"/console/subscribers/imports/{job.public_id}" in listing
    viewer = factory.user(role="viewer")
    login(client, user=viewer)
    assert client.get(f"/console/subscribers/imports/{job.public_id}").status_code == 403
    assert isinstance(viewer, User)
