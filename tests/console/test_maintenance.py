"""Console pages for scheduled maintenance: list, schedule, timeline, start/verify/complete."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.incidents.lifecycle import resolve_incident
from statuspage.incidents.maintenance import start_maintenance
from statuspage.models import Component, Incident
from tests.console.conftest_content import (
    as_role,
    audit_actions,
    field_error,
    input_value,
    set_time_zone,
    textarea_value,
)
from tests.factories import Factory


def _maintenance(name: str) -> Incident:
    db.session.expire_all()
    return db.session.execute(select(Incident).filter_by(name=name)).scalar_one()


def _local(delta: timedelta) -> str:
    """A datetime-local value `delta` from now, in UTC (the default page zone)."""
    return (datetime.now(UTC) + delta).strftime("%Y-%m-%dT%H:%M")


def test_list_groups_in_progress_upcoming_and_past(client: FlaskClient, factory: Factory) -> None:
    factory.maintenance("Future work", starts_in=timedelta(days=3))
    running = factory.maintenance("Running work", starts_in=timedelta(hours=-1))
    start_maintenance(running, "", None)
    done = factory.maintenance("Done work", starts_in=timedelta(days=-2))
    resolve_incident(done, "Finished.", None)
    as_role(client, factory, "viewer")

    html = client.get("/console/maintenance").get_data(as_text=True)

    assert (html.index("In progress") < html.index("Running work") < html.index("Upcoming")
            < html.index("Future work") < html.index("Past") < html.index("Done work"))
    assert "Schedule maintenance" not in html


def test_schedule_reads_the_window_in_the_page_zone_and_stores_the_options(
    client: FlaskClient, factory: Factory
) -> None:
    set_time_zone("Europe/Berlin")
    api = factory.component("API")
    factory.component("Website")
    as_role(client, factory, "communicator")

    response = client.post("/console/maintenance/new", data={
        "name": "DB upgrade", "scheduled_for": "2031-01-10T22:00",
        "scheduled_until": "2031-01-11T01:30", "components": [str(api.id)],
        "body": "We **upgrade**.", "auto_start": "y", "deliver_notifications": "y",
    })

    maintenance = _maintenance("DB upgrade")
    assert response.status_code == 303
    # Berlin is UTC+1 in January.
    assert maintenance.scheduled_for == datetime(2031, 1, 10, 21, 0, tzinfo=UTC)
    assert maintenance.scheduled_until == datetime(2031, 1, 11, 0, 30, tzinfo=UTC)
    assert (maintenance.auto_start, maintenance.auto_complete) == (True, False)
    assert maintenance.status == "scheduled"
    assert [c.name for c in maintenance.components] == ["API"]
    assert db.session.get(Component, api.id).status == "operational"  # not until it starts
    assert "maintenance.schedule" in audit_actions()
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Jan 10, 2031 22:00 CET" in detail and "We <strong>upgrade</strong>." in detail


def test_window_ending_before_it_starts_keeps_the_form(
    client: FlaskClient, factory: Factory
) -> None:
    api = factory.component("API")
    as_role(client, factory, "communicator")

    response = client.post("/console/maintenance/new", data={
        "name": "Backwards", "scheduled_for": "2031-05-02T10:00",
        "scheduled_until": "2031-05-02T09:00", "components": [str(api.id)], "body": "Typed",
        "auto_complete": "y",
    })

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(html, "scheduled_until") == "The window must end after it starts."
    assert input_value(html, "name") == "Backwards"
    assert input_value(html, "scheduled_for") == "2031-05-02T10:00"
    assert input_value(html, "scheduled_until") == "2031-05-02T09:00"
    assert textarea_value(html, "body") == "Typed"
    assert f'name="components" value="{api.id}"\n      checked' in html
    assert 'checked id="auto_complete"' in html
    assert db.session.execute(select(Incident)).first() is None


def test_missing_window_start_and_empty_title_are_reported(
    client: FlaskClient, factory: Factory
) -> None:
    as_role(client, factory, "admin")

    no_start = client.post("/console/maintenance/new", data={
        "name": "Work", "scheduled_until": "2031-05-02T09:00"})
    no_title = client.post("/console/maintenance/new", data={
        "name": "", "scheduled_for": "2031-05-02T08:00", "scheduled_until": "2031-05-02T09:00"})

    assert no_start.status_code == no_title.status_code == 422
    assert field_error(no_start.get_data(as_text=True), "scheduled_for") == (
        "Give the window's start.")
    assert field_error(no_title.get_data(as_text=True), "name") == "Give the incident a title."


def test_start_verify_complete_move_components_through_maintenance(
    client: FlaskClient, factory: Factory
) -> None:
    api = factory.component("API")
    maintenance = factory.maintenance("Upgrade", starts_in=timedelta(minutes=-5),
                                      components=[api])
    base = f"/console/maintenance/{maintenance.public_id}"
    as_role(client, factory, "communicator")
    page = client.get(base).get_data(as_text=True)
    assert "Start maintenance" in page and "Start verifying" not in page

    started = client.post(f"{base}/start", data={"start-body": "Starting now.",
                                                  "start-set_components": "y"})
    assert started.status_code == 303
    assert _maintenance("Upgrade").status == "in_progress"
    assert db.session.get(Component, api.id).status == "under_maintenance"

    client.post(f"{base}/verify", data={"verify-body": "Checking."})
    assert _maintenance("Upgrade").status == "verifying"
    assert db.session.get(Component, api.id).status == "under_maintenance"

    client.post(f"{base}/complete", data={"complete-body": "Done.",
                                          "complete-restore_components": "y"})
    maintenance = _maintenance("Upgrade")
    assert maintenance.status == "completed" and maintenance.resolved_at is not None
    assert db.session.get(Component, api.id).status == "operational"
    assert [u.body for u in maintenance.updates][:3] == ["Done.", "Checking.", "Starting now."]
    html = client.get(base).get_data(as_text=True)
    assert "Starting now." in html and "Completed" in html
    assert "Complete maintenance" not in html  # nothing left to do


def test_start_can_leave_components_alone(client: FlaskClient, factory: Factory) -> None:
    api = factory.component("API")
    maintenance = factory.maintenance("Upgrade", components=[api])
    as_role(client, factory, "admin")

    client.post(f"/console/maintenance/{maintenance.public_id}/start", data={"start-body": ""})

    assert _maintenance("Upgrade").status == "in_progress"
    assert db.session.get(Component, api.id).status == "operational"


def test_a_step_that_no_longer_applies_is_refused(client: FlaskClient, factory: Factory) -> None:
    maintenance = factory.maintenance("Upgrade")
    start_maintenance(maintenance, "", None)
    as_role(client, factory, "communicator")

    response = client.post(f"/console/maintenance/{maintenance.public_id}/start",
                           data={"start-body": "Again"}, follow_redirects=True)

    assert "cannot start now" in response.get_data(as_text=True)
    assert len(_maintenance("Upgrade").updates) == 2


def test_action_preview_keeps_the_message(client: FlaskClient, factory: Factory) -> None:
    maintenance = factory.maintenance("Upgrade")
    as_role(client, factory, "communicator")

    response = client.post(f"/console/maintenance/{maintenance.public_id}/start",
                           data={"start-body": "Going *now*", "action": "preview"})

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<div id="preview-start" class="preview-body"><p>Going <em>now</em></p>' in html
    assert textarea_value(html, "start-body") == "Going *now*"
    assert _maintenance("Upgrade").status == "scheduled"


@pytest.mark.parametrize("path", [
    "/console/maintenance/new",
    "/console/maintenance/{id}/start",
    "/console/maintenance/{id}/verify",
    "/console/maintenance/{id}/complete",
])
def test_viewer_cannot_change_maintenance(
    client: FlaskClient, factory: Factory, path: str
) -> None:
    maintenance = factory.maintenance("Upgrade")
    as_role(client, factory, "viewer")

    response = client.post(path.format(id=maintenance.public_id), data={
        "name": "X", "scheduled_for": _local(timedelta(days=1)),
        "scheduled_until": _local(timedelta(days=2)),
    })

    assert response.status_code == 403
    assert db.session.execute(select(Incident)).scalars().all() == [maintenance]
    assert _maintenance("Upgrade").status == "scheduled"


def test_an_incident_is_not_a_maintenance(client: FlaskClient, factory: Factory) -> None:
    incident = factory.incident()
    as_role(client, factory, "admin")

    assert client.get(f"/console/maintenance/{incident.public_id}").status_code == 404
    assert client.post(f"/console/maintenance/{incident.public_id}/start").status_code == 404


def test_viewer_reads_the_timeline_but_gets_no_actions(
    client: FlaskClient, factory: Factory
) -> None:
    maintenance = factory.maintenance("Upgrade", body="Planned *work*.")
    as_role(client, factory, "viewer")

    html = client.get(f"/console/maintenance/{maintenance.public_id}").get_data(as_text=True)

    assert "Planned <em>work</em>." in html
    assert "Start maintenance" not in html and "<textarea" not in html


def test_starting_and_completing_by_hand_are_the_plans_maintenance_events(
    client: FlaskClient, factory: Factory
) -> None:
    from statuspage.models import Delivery, FanoutEvent
    from statuspage.plan import save as plan_save
    from tests.delivery_support import add_subscribers

    plan_save.save_document({"version": 1, "severities": {"maintenance": {
        "cadence_minutes": None, "approval": False, "audiences": {"public": {
            "maintenance_started": ["email"], "maintenance_completed": ["sms"]}}}}}, None)
    add_subscribers(1)
    add_subscribers(1, "sms")
    maintenance = factory.maintenance("Upgrade")
    base = f"/console/maintenance/{maintenance.public_id}"
    as_role(client, factory, "communicator")

    client.post(f"{base}/start", data={"start-body": "Starting."})
    client.post(f"{base}/complete", data={"complete-body": "Done."})

    db.session.expire_all()
    heard = db.session.execute(
        select(FanoutEvent.kind, Delivery.channel).join(Delivery, Delivery.event_id ==
                                                         FanoutEvent.id).order_by(Delivery.id)
    ).all()
    assert [tuple(row) for row in heard] == [("maintenance_started", "email"),
                                             ("maintenance_completed", "sms")]
