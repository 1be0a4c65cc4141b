"""The composer's SMS text: a template fills it, it can be edited, and it is what is sent."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.incidents import templates as mt
from statuspage.models import Incident, IncidentUpdate, MessageTemplate
from statuspage.tasks.queues import huey, sms_huey
from tests.console.conftest_content import as_role, field_error, textarea_value
from tests.delivery_support import (
    add_subscribers,
    open_plan,  # noqa: F401 (a fixture, used by pytestmark)
    phone,
    provider_settings,
    queued_tasks,
    run_worker,
    task_errors,
)
from tests.factories import Factory
from tests.fakes.providers import FakeTwilio

pytestmark = pytest.mark.usefixtures("open_plan")
WORDING = "Acme: cause of Login failures identified, fix in progress."


@pytest.fixture(autouse=True)
def errors() -> Iterator[list[BaseException]]:
    huey.flush()
    sms_huey.flush()
    with task_errors() as caught:
        yield caught
    assert not caught, caught


def _template_id(phase: str) -> str:
    mt.seed_default_templates()
    found = db.session.scalar(select(MessageTemplate.public_id).filter_by(phase=phase))
    assert found is not None
    return found


def _latest_update(incident: Incident) -> IncidentUpdate:
    db.session.expire_all()
    return db.session.execute(select(IncidentUpdate).filter_by(incident_id=incident.id)
                              .order_by(IncidentUpdate.id.desc())).scalars().first()


def test_use_template_fills_the_sms_text_with_the_templates_wording(
        client: FlaskClient, factory: Factory) -> None:
    incident = factory.incident(name="Login failures")
    template = _template_id("identified")
    as_role(client, factory, "communicator")

    response = client.post(f"/console/incidents/{incident.public_id}/updates", data={
        "status": "identified", "body": "", "template": template, "action": "use_template"})

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert textarea_value(html, "sms_body") == WORDING
    assert "1 segment (GSM-7, 58 characters)" in html


def test_the_sms_text_from_the_template_is_what_twilio_receives(
        app: Flask, client: FlaskClient, factory: Factory, fake_twilio: FakeTwilio) -> None:
    app.config.update(provider_settings(twilio_url=fake_twilio.url),
                      TWILIO_MAX_PER_SECOND=100.0)
    incident = factory.incident(name="Login failures", deliver_notifications=False)
    add_subscribers(1, "sms")
    template = _template_id("identified")
    as_role(client, factory, "communicator")
    form = {"status": "identified", "body": "", "template": template,
            "deliver_notifications": "y"}
    filled = client.post(f"/console/incidents/{incident.public_id}/updates",
                         data={**form, "action": "use_template"}).get_data(as_text=True)
    form.update(body=textarea_value(filled, "body") or "",
                sms_body=textarea_value(filled, "sms_body") or "")

    with queued_tasks():
        response = client.post(f"/console/incidents/{incident.public_id}/updates",
                               data={**form, "action": "publish"})
        run_worker(app)

    assert response.status_code == 303
    assert _latest_update(incident).sms_body == WORDING
    [sent] = [m.param("Body") for m in fake_twilio.messages if m.param("To") == phone(0)]
    assert sent == (f"{WORDING}\nhttps://status.example.com/incidents/{incident.public_id}\n"
                    "Reply STOP to unsubscribe")


def test_an_edited_sms_text_is_stored_on_the_update_and_shown_in_the_reach_preview(
        client: FlaskClient, factory: Factory) -> None:
    incident = factory.incident(name="Login failures")
    as_role(client, factory, "communicator")
    form = {"status": "identified", "body": "We found the cause: a **bad** deploy.",
            "sms_body": "Login fixed soon:  rollback under way."}

    preview = client.post(f"/console/incidents/{incident.public_id}/updates",
                          data={**form, "action": "reach"}).get_data(as_text=True)
    assert "Acme: Login fixed soon: rollback under way.\nhttps://" in preview
    assert "first message also ends with" in preview

    client.post(f"/console/incidents/{incident.public_id}/updates",
                data={**form, "action": "publish"})
    assert _latest_update(incident).sms_body == "Login fixed soon: rollback under way."


def test_an_empty_sms_text_leaves_the_sms_made_from_the_message(
        client: FlaskClient, factory: Factory) -> None:
    incident = factory.incident()
    as_role(client, factory, "communicator")

    client.post(f"/console/incidents/{incident.public_id}/updates", data={
        "status": "identified", "body": "Found it.", "sms_body": "  ", "action": "publish"})

    assert _latest_update(incident).sms_body is None


def test_an_sms_text_over_320_characters_is_refused_next_to_the_field(
        client: FlaskClient, factory: Factory) -> None:
    incident = factory.incident()
    as_role(client, factory, "communicator")
    before = len(incident.updates)

    response = client.post(f"/console/incidents/{incident.public_id}/updates", data={
        "status": "identified", "body": "Found it.", "sms_body": "word " * 70,
        "action": "publish"})

    assert response.status_code == 422
    assert "longer than 320 characters" in field_error(response.get_data(as_text=True),
                                                       "sms_body")
    db.session.expire_all()
    assert len(db.session.get(Incident, incident.id).updates) == before


def test_resolve_and_maintenance_steps_store_their_sms_text(
        client: FlaskClient, factory: Factory) -> None:
    incident = factory.incident()
    work = factory.maintenance("Upgrade")
    as_role(client, factory, "communicator")

    client.post(f"/console/incidents/{incident.public_id}/resolve", data={
        "resolve-body": "Fixed.", "resolve-sms_body": "All fixed, sorry.",
        "action": "publish"})
    client.post(f"/console/maintenance/{work.public_id}/start", data={
        "start-body": "", "start-sms_body": "Upgrade started."})

    assert _latest_update(incident).sms_body == "All fixed, sorry."
    assert _latest_update(work).sms_body == "Upgrade started."


def test_a_new_maintenance_stores_the_sms_text_of_its_announcement(
        client: FlaskClient, factory: Factory) -> None:
    as_role(client, factory, "communicator")

    client.post("/console/maintenance/new", data={
        "name": "Router swap", "scheduled_for": "2031-01-10T22:00",
        "scheduled_until": "2031-01-10T23:00", "body": "Swap.",
        "sms_body": "Router swap on 10 Jan, 22:00-23:00."})

    db.session.expire_all()
    work = db.session.execute(select(Incident).filter_by(name="Router swap")).scalar_one()
    assert _latest_update(work).sms_body == "Router swap on 10 Jan, 22:00-23:00."
