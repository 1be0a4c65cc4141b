"""The console's schedule form stores the automation options; viewers cannot schedule."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import func, select

from statuspage.core.extensions import db
from statuspage.models import Incident
from tests.console.conftest_content import as_role, field_error
from tests.factories import Factory

WINDOW = {"name": "DB upgrade", "scheduled_for": "2031-01-10T22:00",
          "scheduled_until": "2031-01-11T01:30", "body": "Planned."}


def _count() -> int:
    return db.session.execute(select(func.count()).select_from(Incident)).scalar_one()


def test_form_offers_the_automation_options(client: FlaskClient, factory: Factory) -> None:
    as_role(client, factory, "communicator")

    html = client.get("/console/maintenance/new").get_data(as_text=True)

    assert 'name="auto_transition_components"' in html
    assert 'name="remind_before_minutes"' in html


def test_schedule_stores_reminder_and_component_transitions(
    client: FlaskClient, factory: Factory
) -> None:
    api = factory.component("API")
    as_role(client, factory, "communicator")

    response = client.post("/console/maintenance/new", data={
        **WINDOW, "components": [str(api.id)], "auto_start": "y", "auto_complete": "y",
        "auto_transition_components": "y", "remind_before_minutes": "90",
    })

    assert response.status_code == 303
    db.session.expire_all()
    work = db.session.execute(select(Incident).filter_by(name="DB upgrade")).scalar_one()
    assert (work.auto_start, work.auto_complete, work.auto_transition_components) == (
        True, True, True)
    assert work.remind_before_minutes == 90
    assert work.reminded_at is None


def test_schedule_without_options_stores_no_reminder(client: FlaskClient, factory: Factory
                                                     ) -> None:
    as_role(client, factory, "communicator")

    client.post("/console/maintenance/new", data=WINDOW)

    db.session.expire_all()
    work = db.session.execute(select(Incident).filter_by(name="DB upgrade")).scalar_one()
    assert (work.remind_before_minutes, work.auto_transition_components) == (None, False)


def test_a_reminder_of_zero_minutes_is_refused_next_to_the_field(
    client: FlaskClient, factory: Factory
) -> None:
    as_role(client, factory, "communicator")

    response = client.post("/console/maintenance/new",
                           data={**WINDOW, "remind_before_minutes": "0"})

    assert response.status_code == 422
    assert "minute" in field_error(response.get_data(as_text=True), "remind_before_minutes")
    assert _count() == 0


def test_viewer_cannot_schedule_maintenance(client: FlaskClient, factory: Factory) -> None:
    as_role(client, factory, "viewer")

    response = client.post("/console/maintenance/new",
                           data={**WINDOW, "remind_before_minutes": "30"})

    assert response.status_code == 403
    assert _count() == 0
