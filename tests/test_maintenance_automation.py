"""Maintenance automation: auto start/complete at the window edges, components, reminders.

The clock is passed in (`now=`) rather than patched: the use-cases decide only from it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.incidents import maintenance_automation as automation
from statuspage.incidents.lifecycle import post_update
from statuspage.incidents.maintenance import (
    MaintenanceInput,
    schedule_maintenance,
    start_maintenance,
)
from statuspage.incidents.updates import UpdateInput
from statuspage.models import Component, FanoutEvent, Incident, utcnow
from tests.delivery_support import add_subscribers, deliveries
from tests.factories import Factory
from tests.subscription_support import outbox


def _reloaded(incident: Incident) -> Incident:
    db.session.expire_all()
    found = db.session.get(Incident, incident.id)
    assert found is not None
    return found


def _status(component: Component) -> str:
    db.session.expire_all()
    found = db.session.get(Component, component.id)
    assert found is not None
    return found.status


def _events(kind: str) -> list[FanoutEvent]:
    db.session.expire_all()
    return list(db.session.execute(
        select(FanoutEvent).where(FanoutEvent.kind == kind).order_by(FanoutEvent.id)
    ).scalars())


def test_nothing_happens_before_the_window_or_the_reminder_time(factory: Factory) -> None:
    api = factory.component("API")
    work = factory.maintenance(components=[api], auto_start=True, auto_complete=True,
                               auto_transition_components=True, remind_before_minutes=60)
    assert work.scheduled_for is not None

    result = automation.run_due(now=work.scheduled_for - timedelta(minutes=61))

    assert result == automation.AutomationResult()
    work = _reloaded(work)
    assert (work.status, work.reminded_at) == ("scheduled", None)
    assert len(work.updates) == 1
    assert _status(api) == "operational"
    assert _events(automation.REMINDER) == []


def test_auto_start_at_the_window_start_moves_components_under_maintenance(
    factory: Factory,
) -> None:
    api = factory.component("API")
    work = factory.maintenance(components=[api], auto_start=True,
                               auto_transition_components=True)
    assert work.scheduled_for is not None

    assert automation.start_due(work.scheduled_for - timedelta(seconds=1)) == []
    started = automation.start_due(work.scheduled_for)

    work = _reloaded(work)
    assert started == [work.public_id]
    assert work.status == "in_progress"
    assert work.updates[0].status == "in_progress"
    assert work.updates[0].body == automation.STARTED_BODY
    assert _status(api) == "under_maintenance"
    assert [(c.old_status, c.new_status) for c in work.updates[0].changes] == [
        ("operational", "under_maintenance")]


def test_auto_start_without_transitions_leaves_components_alone(factory: Factory) -> None:
    api = factory.component("API")
    work = factory.maintenance(components=[api], auto_start=True)
    assert work.scheduled_for is not None

    automation.start_due(work.scheduled_for + timedelta(minutes=1))

    assert _reloaded(work).status == "in_progress"
    assert _status(api) == "operational"


def test_maintenance_without_auto_start_waits_for_a_person(factory: Factory) -> None:
    work = factory.maintenance(auto_complete=True)
    assert work.scheduled_until is not None

    result = automation.run_due(now=work.scheduled_until + timedelta(hours=1))

    assert result == automation.AutomationResult()
    assert _reloaded(work).status == "scheduled"


def test_auto_complete_at_the_window_end_returns_components_to_operational(
    factory: Factory,
) -> None:
    api = factory.component("API")
    work = factory.maintenance(components=[api], auto_complete=True,
                               auto_transition_components=True)
    start_maintenance(work, "Starting by hand.", None)
    assert work.scheduled_until is not None
    assert _status(api) == "under_maintenance"

    assert automation.complete_due(work.scheduled_until - timedelta(seconds=1)) == []
    completed = automation.complete_due(work.scheduled_until)

    work = _reloaded(work)
    assert completed == [work.public_id]
    assert work.status == "completed"
    assert work.resolved_at is not None
    assert work.updates[0].body == automation.COMPLETED_BODY
    assert _status(api) == "operational"


def test_auto_complete_also_ends_a_window_being_verified(factory: Factory) -> None:
    work = factory.maintenance(auto_complete=True)
    start_maintenance(work, "", None)
    post_update(work, UpdateInput(status="verifying"), None)
    assert work.scheduled_until is not None

    automation.complete_due(work.scheduled_until)

    assert _reloaded(work).status == "completed"


def test_a_whole_window_runs_start_to_end_and_each_step_happens_once(factory: Factory) -> None:
    api = factory.component("API")
    work = factory.maintenance(components=[api], auto_start=True, auto_complete=True,
                               auto_transition_components=True)
    assert work.scheduled_for is not None and work.scheduled_until is not None
    middle = work.scheduled_for + (work.scheduled_until - work.scheduled_for) / 2

    first = automation.run_due(now=middle)
    again = automation.run_due(now=middle)  # a second worker on the same tick

    assert first.started == [work.public_id] and again.started == []
    assert _status(api) == "under_maintenance"
    end = automation.run_due(now=work.scheduled_until)
    assert end.completed == [work.public_id]
    assert automation.run_due(now=work.scheduled_until).completed == []
    work = _reloaded(work)
    assert [u.status for u in reversed(work.updates)] == ["scheduled", "in_progress",
                                                          "completed"]
    assert _status(api) == "operational"


def test_a_claim_lost_to_another_worker_does_nothing(factory: Factory) -> None:
    work = factory.maintenance(auto_start=True)
    assert work.scheduled_for is not None
    due = (Incident.auto_start.is_(True), Incident.status == "scheduled",
           Incident.scheduled_for <= work.scheduled_for)
    assert automation.due_ids(due) == [work.id]
    # Another worker starts it between our read of the due ids and our claim.
    start_maintenance(_reloaded(work), "By the other worker.", None)

    assert automation.claim(work.id, due, "in_progress") is None

    work = _reloaded(work)
    assert work.status == "in_progress"
    assert [u.body for u in work.updates] == ["By the other worker.", "Planned work."]


def test_reminder_is_sent_once_in_its_window(factory: Factory) -> None:
    work = factory.maintenance(remind_before_minutes=30)
    assert work.scheduled_for is not None
    remind_at = work.scheduled_for - timedelta(minutes=30)

    assert automation.send_due_reminders(remind_at - timedelta(seconds=1)) == []
    first = automation.send_due_reminders(remind_at)
    second = automation.send_due_reminders(remind_at + timedelta(minutes=1))

    assert first == [work.public_id] and second == []
    events = _events(automation.REMINDER)
    assert len(events) == 1
    assert events[0].incident_id == work.id and events[0].update_id is None
    assert _reloaded(work).reminded_at == remind_at


def test_two_workers_racing_for_one_reminder_add_one_event(factory: Factory) -> None:
    work = factory.maintenance(remind_before_minutes=30)
    assert work.scheduled_for is not None
    now = work.scheduled_for - timedelta(minutes=10)

    results = [automation.remind(work.id, now), automation.remind(work.id, now)]

    assert results == [work.public_id, None]
    assert len(_events(automation.REMINDER)) == 1


def test_reminder_reaches_subscribers_with_the_maintenance_details(factory: Factory) -> None:
    work = factory.maintenance("Router swap", remind_before_minutes=60,
                               deliver_notifications=False)
    add_subscribers(2)
    assert work.scheduled_for is not None

    automation.run_due(now=work.scheduled_for - timedelta(minutes=45))

    (event,) = _events(automation.REMINDER)
    assert len(deliveries(event.id)) == 2
    sent = outbox("email")
    assert len(sent) == 2
    assert all("Router swap" in (m.subject or "") for m in sent)


def test_no_reminder_once_the_window_has_begun(factory: Factory) -> None:
    work = factory.maintenance(remind_before_minutes=30)
    assert work.scheduled_for is not None

    assert automation.send_due_reminders(work.scheduled_for) == []
    assert _events(automation.REMINDER) == []


def test_started_or_cancelled_maintenance_gets_no_reminder(factory: Factory) -> None:
    from statuspage.incidents.lifecycle import resolve_incident

    work = factory.maintenance(remind_before_minutes=30)
    resolve_incident(work, "Cancelled.", None)
    assert work.scheduled_for is not None

    assert automation.send_due_reminders(work.scheduled_for - timedelta(minutes=5)) == []


@pytest.mark.parametrize("minutes", [0, -5, 60 * 24 * 31])
def test_schedule_refuses_a_reminder_outside_the_allowed_range(factory: Factory,
                                                               minutes: int) -> None:
    factory.component()
    start = utcnow() + timedelta(days=1)
    with pytest.raises(DomainError) as refused:
        schedule_maintenance(MaintenanceInput(
            name="Work", scheduled_for=start, scheduled_until=start + timedelta(hours=1),
            remind_before_minutes=minutes), None)
    assert refused.value.field == "remind_before_minutes"
    assert db.session.execute(select(func.count()).select_from(Incident)).scalar() == 0


def test_the_periodic_task_runs_the_automation(factory: Factory) -> None:
    from statuspage.tasks import maintenance as maintenance_tasks

    work = factory.maintenance(auto_start=True, starts_in=timedelta(minutes=-1))

    result = maintenance_tasks.automate_maintenance.call_local()

    assert result["started"] == [work.public_id]
    assert _reloaded(work).status == "in_progress"


def _in_parallel(app: Flask, work: Callable[[], list[str]], workers: int = 4
                 ) -> list[list[str]]:
    """Run `work` in several threads at once, each with its own app context and session."""
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


def test_concurrent_workers_remind_and_start_each_maintenance_once(
    app: Flask, factory: Factory
) -> None:
    api = factory.component("API")
    soon = factory.maintenance(remind_before_minutes=60)
    due = factory.maintenance(components=[api], auto_start=True,
                              auto_transition_components=True)
    assert soon.scheduled_for is not None and due.scheduled_for is not None
    reminder_time = soon.scheduled_for - timedelta(minutes=30)
    start_time = due.scheduled_for + timedelta(minutes=1)

    reminded = _in_parallel(app, lambda: automation.send_due_reminders(reminder_time))
    started = _in_parallel(app, lambda: automation.start_due(start_time))

    assert sorted(map(len, reminded)) == [0, 0, 0, 1]  # one worker won
    assert sorted(map(len, started)) == [0, 0, 0, 1]
    assert len(_events(automation.REMINDER)) == 1
    assert [u.status for u in _reloaded(due).updates] == ["in_progress", "scheduled"]
    assert _status(api) == "under_maintenance"


def _maintenance_plan(audiences: dict[str, dict[str, list[str]]]) -> None:
    from statuspage.plan import save as plan_save

    plan_save.save_document({"version": 1, "severities": {"maintenance": {
        "cadence_minutes": None, "approval": False, "audiences": audiences}}}, None)


def test_the_plan_decides_who_hears_the_automated_start_and_completion(
    factory: Factory,
) -> None:
    _maintenance_plan({"public": {"maintenance_started": ["email"]}})
    add_subscribers(2)
    add_subscribers(1, "sms")
    add_subscribers(1, "webhook")
    work = factory.maintenance(auto_start=True, auto_complete=True)
    assert work.scheduled_for is not None and work.scheduled_until is not None

    automation.run_due(now=work.scheduled_for)
    automation.run_due(now=work.scheduled_until)

    assert _reloaded(work).status == "completed"
    (started,) = _events("maintenance_started")
    assert started.update_id == _reloaded(work).updates[1].id
    assert sorted(d.channel for d in deliveries(started.id)) == ["email", "email"]
    # Completion is routed to nobody, scheduling too: no event, no delivery.
    assert _events("maintenance_completed") == [] and _events("maintenance_scheduled") == []
    assert _events("incident_update") == []
    assert len(deliveries()) == 2


def test_each_maintenance_moment_is_its_own_plan_event(factory: Factory) -> None:
    _maintenance_plan({"public": {
        "maintenance_scheduled": ["webhook"], "maintenance_reminder": ["sms"],
        "maintenance_started": ["email"], "maintenance_completed": ["email", "sms"]}})
    add_subscribers(1)
    add_subscribers(1, "sms")
    add_subscribers(1, "webhook")
    work = factory.maintenance(auto_start=True, auto_complete=True, remind_before_minutes=30)
    assert work.scheduled_for is not None and work.scheduled_until is not None

    automation.run_due(now=work.scheduled_for - timedelta(minutes=10))
    automation.run_due(now=work.scheduled_for)
    automation.run_due(now=work.scheduled_until)

    heard = {kind: sorted(d.channel for e in _events(kind) for d in deliveries(e.id))
             for kind in ("maintenance_scheduled", "maintenance_reminder",
                          "maintenance_started", "maintenance_completed")}
    assert heard == {"maintenance_scheduled": ["webhook"], "maintenance_reminder": ["sms"],
                     "maintenance_started": ["email"],
                     "maintenance_completed": ["email", "sms"]}
