""""Use template" in the resolve composer and the maintenance composers (schedule, start,
complete), each offering its own phase's templates."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import func, select

from statuspage.core.extensions import db
from statuspage.incidents import templates as mt
from statuspage.models import Incident, IncidentUpdate, MessageTemplate
from tests.console.conftest_content import as_role, field_error, input_value, textarea_value
from tests.factories import Factory


def _template_id(phase: str) -> str:
    mt.seed_default_templates()
    found = db.session.scalar(select(MessageTemplate.public_id).filter_by(phase=phase))
    assert found is not None
    return found


def _section(html: str, title_id: str) -> str:
    """The composer <section> headed by the element with id `title_id`."""
    # To the end of its form: the composer's preview is a section of its own inside it.
    match = re.search(rf'<section aria-labelledby="{title_id}".*?</form>', html, re.S)
    assert match is not None, f"no section {title_id}"
    return match.group(0)


def _updates() -> int:
    return db.session.scalar(select(func.count(IncidentUpdate.id))) or 0


def test_the_resolve_composer_offers_resolved_templates_only(client: FlaskClient,
                                                             factory: Factory) -> None:
    mt.seed_default_templates()
    incident = factory.incident()
    as_role(client, factory, "communicator")

    html = client.get(f"/console/incidents/{incident.public_id}").get_data(as_text=True)

    resolve = _section(html, "resolve-title")
    assert "Use template" in resolve and "Resolved: Resolved" in resolve
    assert "Investigating: Investigating" not in resolve
    update = _section(html, "update-title")
    assert "Investigating: Investigating" in update and "Resolved: Resolved" not in update


def test_use_template_fills_the_resolve_message_and_resolves_nothing(
    client: FlaskClient, factory: Factory
) -> None:
    api = factory.component("API")
    incident = factory.incident(name="Login failures", components={api: "major_outage"})
    template = _template_id("resolved")
    as_role(client, factory, "communicator")
    before = _updates()

    response = client.post(f"/console/incidents/{incident.public_id}/resolve", data={
        "resolve-body": "typed", "resolve-restore_components": "y",
        "template": template, "action": "use_template"})

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert textarea_value(html, "resolve-body") == (
        "This incident has been resolved and API are working normally. "
        "We are sorry for the disruption.")
    resolve = _section(html, "resolve-title")
    assert f'<option value="{template}" selected' in resolve
    assert "Login failures is resolved." in resolve  # the SMS wording, rendered
    # The update composer above keeps its own (empty) choice.
    assert f'<option value="{template}" selected' not in _section(html, "update-title")
    assert textarea_value(html, "body") == ""
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).status == "investigating"
    assert _updates() == before


def test_use_template_on_resolve_without_a_choice_asks_for_one(client: FlaskClient,
                                                               factory: Factory) -> None:
    _template_id("resolved")
    incident = factory.incident()
    as_role(client, factory, "communicator")

    response = client.post(f"/console/incidents/{incident.public_id}/resolve", data={
        "resolve-body": "keep me", "template": "", "action": "use_template"})

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose a template to use." in field_error(html, "template")
    assert textarea_value(html, "resolve-body") == "keep me"


def test_the_schedule_composer_fills_the_announcement_from_a_scheduled_template(
    client: FlaskClient, factory: Factory
) -> None:
    api = factory.component("API")
    factory.component("Website")
    template = _template_id("maintenance_scheduled")
    as_role(client, factory, "communicator")

    page = client.get("/console/maintenance/new").get_data(as_text=True)
    assert "Maintenance scheduled: Maintenance scheduled" in page
    assert "Maintenance started:" not in page and "Investigating:" not in page

    response = client.post("/console/maintenance/new", data={
        "name": "Router swap", "scheduled_for": "2031-01-10T22:00",
        "scheduled_until": "2031-01-10T23:00", "components": [str(api.id)],
        "body": "", "template": template, "action": "use_template"})

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert textarea_value(html, "body") == (
        "We will be performing scheduled maintenance on API. "
        "During the window these services may be briefly unavailable.")
    assert input_value(html, "name") == "Router swap"
    assert input_value(html, "scheduled_for") == "2031-01-10T22:00"
    assert "Acme: maintenance scheduled for API." in html  # the SMS wording
    assert db.session.scalar(select(func.count(Incident.id))) == 0


def test_start_and_complete_offer_their_phase_templates_and_verify_none(
    client: FlaskClient, factory: Factory
) -> None:
    _template_id("maintenance_started")
    work = factory.maintenance("Upgrade")
    as_role(client, factory, "communicator")

    html = client.get(f"/console/maintenance/{work.public_id}").get_data(as_text=True)

    start = _section(html, "start-title")
    assert "Maintenance started: Maintenance started" in start
    assert "Maintenance completed:" not in start
    complete = _section(html, "complete-title")
    assert "Maintenance completed: Maintenance completed" in complete
    assert "Maintenance started:" not in complete

    from statuspage.incidents.maintenance import start_maintenance

    start_maintenance(work, "", None)
    html = client.get(f"/console/maintenance/{work.public_id}").get_data(as_text=True)
    assert "Use template" not in _section(html, "verify-title")


def test_use_template_fills_the_start_and_complete_messages(client: FlaskClient,
                                                            factory: Factory) -> None:
    api = factory.component("API")
    work = factory.maintenance("Upgrade", components=[api])
    started = _template_id("maintenance_started")
    completed = _template_id("maintenance_completed")
    as_role(client, factory, "communicator")
    base = f"/console/maintenance/{work.public_id}"

    response = client.post(f"{base}/start", data={
        "start-body": "", "start-set_components": "y", "template": started,
        "action": "use_template"})

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert textarea_value(html, "start-body") == (
        "Scheduled maintenance on API is now in progress. "
        "We will post an update when it is complete.")
    assert textarea_value(html, "complete-body") == ""  # the other step is untouched
    assert f'<option value="{started}" selected' in _section(html, "start-title")

    response = client.post(f"{base}/complete", data={
        "complete-body": "typed", "template": completed, "action": "use_template"})

    assert response.status_code == 200
    assert textarea_value(response.get_data(as_text=True), "complete-body") == (
        "Scheduled maintenance on API has been completed and all systems are operating "
        "normally.")
    db.session.expire_all()
    assert db.session.get(Incident, work.id).status == "scheduled"
    assert len(db.session.get(Incident, work.id).updates) == 1
