"""Approvals that move: when a public update waits, everyone who may approve it is told at
once (email; SMS too at SEV1/SEV2 for those with a phone), by the worker after the commit,
once, with a sweep that recovers a lost enqueue. Both channels use the log backend (the dev
outbox); Huey runs immediately in tests, so "the worker" runs right after the commit."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from flask import Flask

from statuspage.core import segments
from statuspage.core.extensions import db
from statuspage.incidents import approval_notices
from statuspage.incidents.lifecycle import post_update
from statuspage.incidents.maintenance import MaintenanceInput, schedule_maintenance
from statuspage.incidents.updates import UpdateInput
from statuspage.models import Incident, IncidentUpdate, User, utcnow
from statuspage.notify.base import DeliveryError
from statuspage.page.record import get_page
from statuspage.tasks import approvals as approval_tasks
from statuspage.tasks import runner
from tests.approval_support import OTHER_PHONE, cheap_passwords, require_approval, team
from tests.factories import Factory
from tests.subscription_support import outbox


@pytest.fixture(autouse=True)
def _cheap(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_passwords(monkeypatch)


def _team(factory: Factory) -> dict[str, User]:
    return team(factory)


def _draft(factory: Factory, author: User, severity: str = "SEV2",
           name: str = "Checkout errors") -> IncidentUpdate:
    incident = factory.incident(name=name, severity=severity)
    require_approval()
    return post_update(incident, UpdateInput(status="identified", body="We found the **cause**."),
                       author)


def _stored(update: IncidentUpdate) -> IncidentUpdate:
    db.session.expire_all()
    found = db.session.get(IncidentUpdate, update.id)
    assert found is not None
    return found


def test_every_user_allowed_to_approve_is_emailed_but_not_the_author_viewers_or_inactive(
    factory: Factory,
) -> None:
    team = _team(factory)

    update = _draft(factory, team["author"])

    assert sorted(m.to for m in outbox("email")) == ["admin@example.com",
                                                     "colleague@example.com"]
    message = outbox("email", to="colleague@example.com")[0]
    assert message.subject == f"[{get_page().name}] Approval needed: Checkout errors (SEV2)"
    assert "What: Update" in message.body
    assert "Status: Identified" in message.body
    assert "Author: author@example.com" in message.body
    assert "We found the cause." in message.body
    assert "<strong>cause</strong>" in message.html
    link = f"https://status.example.com/console/incidents/{update.incident.public_id}"
    assert f"{link}#draft-{update.public_id}" in message.body
    assert "List-Unsubscribe" not in message.headers
    assert _stored(update).approval_notified_at is not None


@pytest.mark.parametrize(("severity", "texted"), [("SEV1", True), ("SEV2", True),
                                                  ("SEV3", False), ("SEV4", False)])
def test_approvers_with_a_phone_are_texted_only_at_sev1_and_sev2(
    factory: Factory, severity: str, texted: bool,
) -> None:
    team = _team(factory)

    _draft(factory, team["author"], severity)

    # The colleague has a phone; the admin has none; the author, viewer and inactive user
    # are never told.
    assert [m.to for m in outbox("sms")] == ([OTHER_PHONE] if texted else [])
    assert len(outbox("email")) == 2


def test_the_sms_names_severity_and_title_and_fits_one_gsm7_segment_with_the_link(
    factory: Factory,
) -> None:
    team = _team(factory)
    title = "Checkout \u201cpayments\u201d failing for EU customers \u2013 " + "words " * 30

    update = _draft(factory, team["author"], "SEV1", title.strip())

    (sms,) = outbox("sms")
    info = segments.analyse(sms.body)
    assert (info.encoding, info.segments) == (segments.GSM7, 1)
    assert sms.body.startswith(f"{get_page().name}: SEV1 update needs approval: Checkout "
                               "\"payments\" failing")
    assert sms.body.endswith(f"/console/incidents/{update.incident.public_id}"
                             f"#draft-{update.public_id}")


def test_an_opening_and_a_maintenance_announcement_are_named_as_such(
    factory: Factory,
) -> None:
    team = _team(factory)
    require_approval()
    factory.incident(name="Login down", severity="SEV1")
    start = utcnow() + timedelta(days=2)
    schedule_maintenance(_maintenance_input(start), team["author"])

    subjects = sorted({m.subject for m in outbox("email")})
    assert subjects == [f"[{get_page().name}] Approval needed: Database upgrade (maintenance)",
                        f"[{get_page().name}] Approval needed: Login down (SEV1)"]
    bodies = {m.subject.split(": ", 1)[1]: m.body for m in outbox("email")}
    assert "What: Incident opening" in bodies["Login down (SEV1)"]
    assert "Author: the API or the CLI" in bodies["Login down (SEV1)"]
    assert "What: Maintenance announcement" in bodies["Database upgrade (maintenance)"]


def _maintenance_input(start: datetime) -> MaintenanceInput:
    return MaintenanceInput(name="Database upgrade", scheduled_for=start,
                            scheduled_until=start + timedelta(hours=1), body="Planned work.")


def _lose_enqueues(monkeypatch: pytest.MonkeyPatch) -> None:
    def down(*_: object) -> None:
        raise ConnectionError("queue down")

    monkeypatch.setitem(runner.JOBS, "notify_approvers", down)


def test_a_lost_enqueue_is_recovered_by_the_minute_sweep_once(
    factory: Factory, monkeypatch: pytest.MonkeyPatch,
) -> None:
    team = _team(factory)
    _lose_enqueues(monkeypatch)
    update = _draft(factory, team["author"])
    assert outbox() == []
    assert _stored(update).approval_notified_at is None
    monkeypatch.undo()

    assert approval_tasks.notify_waiting_approvals.call_local() == [update.public_id]
    assert approval_tasks.notify_waiting_approvals.call_local() == []

    assert sorted(m.to for m in outbox("email")) == ["admin@example.com",
                                                     "colleague@example.com"]


def test_the_sweep_runs_every_minute_on_the_worker() -> None:
    task = approval_tasks.notify_waiting_approvals.s()
    for minute in (0, 7, 59):
        assert task.validate_datetime(utcnow().replace(minute=minute, second=0, tzinfo=None))


def test_a_decided_draft_is_not_announced_late(
    factory: Factory, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from statuspage.incidents.approvals import approve_update

    team = _team(factory)
    _lose_enqueues(monkeypatch)
    update = _draft(factory, team["author"])
    approve_update(update, team["colleague"])

    assert approval_notices.notify_waiting(utcnow()) == []
    assert [m for m in outbox("email") if "Approval needed" in m.subject] == []


def _in_parallel(app: Flask, work: Callable[[], list[str]], workers: int = 4
                 ) -> list[list[str]]:
    barrier = threading.Barrier(workers)
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def run() -> None:
        with app.app_context():
            barrier.wait()
            try:
                results.append(work())
            except BaseException as error:  # reported below, not lost in the thread
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    return results


def test_concurrent_sweeps_tell_each_approver_exactly_once(
    app: Flask, factory: Factory, monkeypatch: pytest.MonkeyPatch,
) -> None:
    team = _team(factory)
    _lose_enqueues(monkeypatch)
    first = _draft(factory, team["author"], "SEV1", "First")
    second = post_update(first.incident, UpdateInput(status="monitoring", body="Better."),
                         team["author"])
    monkeypatch.undo()

    results = _in_parallel(app, lambda: approval_notices.notify_waiting(utcnow()))

    told = sorted(public_id for result in results for public_id in result)
    assert told == sorted([first.public_id, second.public_id])
    assert len(outbox("email", to="colleague@example.com")) == 2
    assert len(outbox("email", to="admin@example.com")) == 2
    assert len(outbox("sms", to=OTHER_PHONE)) == 2


class Refusing:
    def send(self, *_: object) -> str:
        raise DeliveryError("provider down", permanent=False)

    send_batch = send


def test_when_every_message_is_refused_the_claim_is_released_for_the_next_sweep(
    factory: Factory, monkeypatch: pytest.MonkeyPatch,
) -> None:
    team = _team(factory)
    monkeypatch.setattr(approval_notices, "email_channel", Refusing)
    monkeypatch.setattr(approval_notices, "sms_channel", Refusing)
    update = _draft(factory, team["author"], "SEV1")
    assert _stored(update).approval_notified_at is None

    monkeypatch.undo()
    assert approval_notices.notify_waiting(utcnow()) == [update.public_id]
    assert len(outbox("email")) == 2 and len(outbox("sms")) == 1


def test_incidents_without_approval_tell_nobody(factory: Factory) -> None:
    team = _team(factory)
    incident: Incident = factory.incident(severity="SEV1")

    post_update(incident, UpdateInput(status="identified", body="Found it."), team["author"])

    assert [m for m in outbox() if "Approval needed" in (m.subject or "")] == []
    assert approval_notices.notify_waiting(utcnow()) == []
