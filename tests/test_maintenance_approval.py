"""Scheduling maintenance under a plan that makes public maintenance updates wait for approval:
the window is a draft, hidden from every public surface and left alone by the automation,
until a second console user approves its announcement."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar
from sqlalchemy import select

from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.incidents import maintenance_automation as automation
from statuspage.incidents.approvals import approve_update
from statuspage.incidents.maintenance import MaintenanceInput, schedule_maintenance
from statuspage.models import Component, FanoutEvent, Incident, User, utcnow
from statuspage.plan import rules as plan
from statuspage.plan import save as plan_save
from statuspage.plan import yaml_io
from tests.console.conftest_content import as_role
from tests.delivery_support import add_subscribers
from tests.factories import Factory

NAME = "Secret router swap"
# Where an upcoming window shows (/history lists a window only once it has begun).
PUBLIC_SURFACES = ("/", "/history.rss", "/history.atom", "/api/v2/summary.json",
                   "/api/v2/scheduled-maintenances.json",
                   "/api/v2/scheduled-maintenances/upcoming.json")


@pytest.fixture
def approval_on(app: Flask) -> None:
    """The default plan, with public maintenance updates needing approval (incidents not)."""
    document = yaml_io.export_document()
    document["severities"]["maintenance"]["approval"] = True  # type: ignore[index]
    plan_save.save_document(document, None)
    assert plan.needs_approval("maintenance") and not plan.needs_approval("SEV2")


def _reloaded(maintenance: Incident) -> Incident:
    db.session.expire_all()
    found = db.session.get(Incident, maintenance.id)
    assert found is not None
    return found


def _schedule(author: User | None, components: list[Component] | None = None,
              **fields: object) -> Incident:
    start = utcnow() + timedelta(days=1)
    return schedule_maintenance(MaintenanceInput(
        name=NAME, scheduled_for=start, scheduled_until=start + timedelta(hours=2),
        body="We swap the routers.", component_ids=[c.id for c in components or []],
        **fields), author)  # type: ignore[arg-type]


def _calendar_names(client: FlaskClient) -> list[str]:
    response = client.get("/maintenance.ics")
    assert response.status_code == 200
    return [str(e["SUMMARY"]) for e in Calendar.from_ical(response.data).walk("VEVENT")]


def _shown_publicly(client: FlaskClient, maintenance: Incident) -> dict[str, bool]:
    """Where the maintenance appears: every public surface, its page and its calendar file."""
    shown = {path: NAME in client.get(path).get_data(as_text=True) for path in PUBLIC_SURFACES}
    shown["/maintenance.ics"] = NAME in _calendar_names(client)
    for path in (f"/incidents/{maintenance.public_id}", f"/incidents/{maintenance.public_id}.ics"):
        response = client.get(path)
        shown[path] = response.status_code == 200 and NAME in response.get_data(as_text=True)
    return shown


def _events() -> list[FanoutEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(FanoutEvent).order_by(FanoutEvent.id)))


def test_a_communicators_maintenance_waits_hidden_until_another_user_approves(
    client: FlaskClient, factory: Factory, approval_on: None
) -> None:
    api = factory.component("API")
    add_subscribers(2)
    author = factory.user(role="communicator")
    reviewer = factory.user(role="communicator")

    work = _schedule(author, [api])

    assert work.awaiting_approval is True
    (announcement,) = work.updates
    assert announcement.state == "draft"
    assert _events() == []
    assert not any(_shown_publicly(client, work).values())

    approve_update(announcement, reviewer)

    work = _reloaded(work)
    assert work.awaiting_approval is False and work.updates[0].state == "published"
    assert all(_shown_publicly(client, work).values()), _shown_publicly(client, work)
    (event,) = _events()
    assert (event.kind, event.update_id) == ("maintenance_scheduled", announcement.id)


def test_nobody_approves_their_own_maintenance_admins_included(
    factory: Factory, approval_on: None
) -> None:
    admin = factory.user(role="admin")

    work = _schedule(admin)

    assert work.awaiting_approval is True  # an admin's window waits too, as incidents do
    with pytest.raises(DomainError, match="your own update"):
        approve_update(work.updates[0], admin)
    approve_update(work.updates[0], factory.user(role="admin"))
    assert _reloaded(work).awaiting_approval is False


def test_the_automation_leaves_a_window_awaiting_approval_alone(
    factory: Factory, approval_on: None
) -> None:
    api = factory.component("API")
    add_subscribers(1)
    work = _schedule(factory.user(role="communicator"), [api], auto_start=True,
                     auto_complete=True, auto_transition_components=True,
                     remind_before_minutes=60)
    assert work.scheduled_for is not None and work.scheduled_until is not None

    result = [automation.run_due(now=work.scheduled_for - timedelta(minutes=30)),
              automation.run_due(now=work.scheduled_for),
              automation.run_due(now=work.scheduled_until)]

    assert result == [automation.AutomationResult()] * 3
    work = _reloaded(work)
    assert (work.status, work.reminded_at, len(work.updates)) == ("scheduled", None, 1)
    assert db.session.get(Component, api.id).status == "operational"
    assert _events() == []

    approve_update(work.updates[0], factory.user(role="communicator"))
    assert automation.run_due(now=work.scheduled_for).started == [work.public_id]


def test_approving_the_announcement_keeps_the_components_current_status(
    factory: Factory, approval_on: None
) -> None:
    api = factory.component("API")
    work = _schedule(factory.user(role="communicator"), [api])
    # Between drafting and approval an incident degrades the component.
    factory.incident(severity="SEV2", components={api: "major_outage"})

    approve_update(work.updates[0], factory.user(role="communicator"))

    db.session.expire_all()
    assert db.session.get(Component, api.id).status == "major_outage"
    assert [c.name for c in _reloaded(work).components] == ["API"]


def test_with_approval_off_maintenance_is_published_at_once(client: FlaskClient,
                                                            factory: Factory) -> None:
    work = _schedule(factory.user(role="communicator"))

    assert work.awaiting_approval is False and work.updates[0].state == "published"
    assert all(_shown_publicly(client, work).values())


def test_the_console_saves_a_draft_shows_it_and_approves_it(
    client: FlaskClient, factory: Factory, approval_on: None
) -> None:
    as_role(client, factory, "communicator")
    response = client.post("/console/maintenance/new", data={
        "name": NAME, "scheduled_for": "2031-01-10T22:00", "scheduled_until": "2031-01-10T23:00",
        "body": "We swap the routers.", "deliver_notifications": "y", "action": "publish"},
        follow_redirects=True)

    html = response.get_data(as_text=True)
    assert "submitted for approval; it is not public and nobody is notified" in html
    assert "Not public yet: this maintenance waits" in html
    assert "Your update is waiting for approval" in html  # the author sees no buttons
    work = db.session.scalar(select(Incident).filter_by(name=NAME))
    assert work is not None and work.awaiting_approval
    listing = client.get("/console/maintenance").get_data(as_text=True)
    assert NAME in listing and "awaiting approval, not public yet" in listing

    as_role(client, factory, "communicator")
    detail = client.get(f"/console/maintenance/{work.public_id}").get_data(as_text=True)
    assert "Approve and publish" in detail and "new maintenance, not public yet" in detail
    approved = client.post(f"/console/updates/{work.updates[0].public_id}/approve",
                           data={"comment": "Go."})

    assert approved.status_code == 303
    assert approved.headers["Location"].endswith(f"/console/maintenance/{work.public_id}")
    assert _reloaded(work).awaiting_approval is False
    assert NAME in _calendar_names(client)
