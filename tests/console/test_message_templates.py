"""Message template pages and the composer's "Use template" button."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.incidents import templates as mt
from statuspage.models import Incident, IncidentUpdate, MessageTemplate
from tests.console.conftest_content import (
    as_role,
    audit_actions,
    field_error,
    input_value,
    textarea_value,
)
from tests.factories import Factory


def _template(name: str = "Investigating", phase: str = "investigating",
              body: str = "Looking into {incident_title} on {affected_components}. "
                          "Next update {next_update_time}.",
              sms_body: str = "{page_name}: {incident_title} ({status})") -> MessageTemplate:
    return mt.create_template(mt.TemplateInput(phase, name, "", body, sms_body), None)


def _form(**fields: str) -> dict[str, str]:
    return {"phase": "identified", "name": "Found it", "title": "",
            "body": "We found the cause of {incident_title}.",
            "sms_body": "{page_name}: cause found", **fields}


def test_a_communicator_creates_edits_and_deletes_a_template(
    client: FlaskClient, factory: Factory
) -> None:
    as_role(client, factory, "communicator")
    response = client.post("/console/templates", data=_form())
    assert response.status_code == 303
    template = db.session.scalar(select(MessageTemplate).filter_by(name="Found it"))
    assert template is not None and template.phase == "identified"

    listing = client.get("/console/templates").get_data(as_text=True)
    assert "Found it" in listing
    assert "We found the cause of Elevated API error rates." in listing  # example values
    assert "1 SMS segment (GSM-7" in listing

    path = f"/console/templates/{template.public_id}"
    assert textarea_value(client.get(path).get_data(as_text=True), "body") == (
        "We found the cause of {incident_title}.")
    response = client.post(path, data=_form(body="Fixed {incident_title}.", name="Fixed"))
    assert response.status_code == 303
    db.session.expire_all()
    assert (template.name, template.body) == ("Fixed", "Fixed {incident_title}.")

    assert client.post(f"{path}/delete").status_code == 303
    assert db.session.scalar(select(MessageTemplate)) is None
    assert audit_actions()[-3:] == ["template.create", "template.update", "template.delete"]


def test_an_unknown_placeholder_is_refused_next_to_the_field_keeping_the_input(
    client: FlaskClient, factory: Factory
) -> None:
    as_role(client, factory, "communicator")
    response = client.post("/console/templates",
                           data=_form(sms_body="{page_name}: {eta} {customer_name}"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Unknown placeholders {eta}, {customer_name}" in field_error(html, "template-sms_body")
    assert input_value(html, "name") == "Found it"
    assert textarea_value(html, "body") == "We found the cause of {incident_title}."
    assert db.session.scalar(select(MessageTemplate)) is None


def test_a_viewer_reads_templates_but_gets_no_forms(client: FlaskClient, factory: Factory
                                                    ) -> None:
    template = _template()
    as_role(client, factory, "viewer")
    listing = client.get("/console/templates").get_data(as_text=True)
    assert "Investigating" in listing and "Create template" not in listing
    detail = client.get(f"/console/templates/{template.public_id}").get_data(as_text=True)
    assert "Save template" not in detail and "Delete template" not in detail
    assert "{incident_title}" in detail  # the source is readable
    assert 'href="/console/templates"' in detail  # NAV entry


@pytest.mark.parametrize("path", ["/console/templates", "/console/templates/{id}",
                                  "/console/templates/{id}/delete"])
def test_a_viewer_cannot_post(client: FlaskClient, factory: Factory, path: str) -> None:
    template = _template()
    as_role(client, factory, "viewer")
    response = client.post(path.format(id=template.public_id), data=_form())
    assert response.status_code == 403
    db.session.expire_all()
    assert [t.name for t in mt.list_templates()] == ["Investigating"]


def test_use_template_on_a_new_incident_fills_the_body_and_keeps_what_was_typed(
    client: FlaskClient, factory: Factory
) -> None:
    api = factory.component("API")
    factory.component("Website")
    template = _template()
    as_role(client, factory, "communicator")
    response = client.post("/console/incidents/new", data={
        "name": "Login failures", "severity": "SEV1", "status": "identified",
        "body": "typed text", f"component-{api.id}": "major_outage",
        "deliver_notifications": "y", "template": template.public_id,
        "action": "use_template"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    body = textarea_value(html, "body")
    # SEV1's cadence in the default plan is 30 minutes; the page's zone is UTC.
    assert body is not None and body.startswith(
        "Looking into Login failures on API. Next update by ")
    assert body.endswith(" UTC.")
    assert input_value(html, "name") == "Login failures"
    assert '<option selected value="SEV1">' in html
    assert '<option selected value="identified">' in html
    assert '<option value="major_outage" selected' in html
    assert f'<option value="{template.public_id}" selected' in html
    # The SMS wording, rendered into the SMS text (what is sent), with its segment count.
    assert "Login failures (Identified)" in (textarea_value(html, "sms_body") or "")
    assert "1 segment (GSM-7" in html
    assert db.session.scalar(select(Incident)) is None  # nothing published


def test_use_template_on_an_update_uses_the_incident_and_keeps_the_form(
    client: FlaskClient, factory: Factory
) -> None:
    api = factory.component("API")
    incident = factory.incident(name="Queue backlog", severity="SEV4",
                                components={api: "degraded_performance"})
    template = _template()
    as_role(client, factory, "communicator")
    response = client.post(f"/console/incidents/{incident.public_id}/updates", data={
        "status": "monitoring", "visibility": "internal", "body": "",
        "template": template.public_id, "action": "use_template"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # SEV4 has no cadence in the default plan: the wording falls back to "soon".
    assert textarea_value(html, "body") == (
        "Looking into Queue backlog on API. Next update soon.")
    assert '<option selected value="monitoring">' in html
    assert '<option selected value="internal">' in html
    assert len(db.session.scalars(select(IncidentUpdate)).all()) == 1


def test_use_template_without_a_choice_asks_for_one(client: FlaskClient, factory: Factory
                                                    ) -> None:
    _template()
    as_role(client, factory, "communicator")
    response = client.post("/console/incidents/new", data={
        "name": "Login failures", "severity": "SEV2", "status": "investigating",
        "body": "keep me", "template": "", "action": "use_template"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose a template to use." in field_error(html, "template")
    assert textarea_value(html, "body") == "keep me"


def test_the_composer_offers_only_incident_phase_templates(client: FlaskClient,
                                                           factory: Factory) -> None:
    mt.seed_default_templates()
    as_role(client, factory, "communicator")
    html = client.get("/console/incidents/new").get_data(as_text=True)
    assert "Use template" in html
    assert "Identified: Identified" in html
    assert "Maintenance scheduled" not in html and "Postmortem: " not in html
