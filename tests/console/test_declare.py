"""Declaring an incident: the dashboard's action, the composer's plan summary, severity
definitions, the communications lead defaulting to the declarer, and the missing-lead warning."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.models import Incident, StakeholderGroup
from statuspage.plan import save as plan_save
from statuspage.plan import yaml_io
from statuspage.plan.stakeholder_members import MemberInput, add_member
from tests.console.conftest_content import as_role, field_error
from tests.delivery_support import add_subscribers
from tests.factories import Factory

DECLARE = {"name": "Checkout down", "status": "investigating", "body": "Payments fail.",
           "deliver_notifications": "y"}


def _incident(name: str = "Checkout down") -> Incident:
    db.session.expire_all()
    return db.session.execute(select(Incident).filter_by(name=name)).scalar_one()


def _block(html: str, severity: str) -> tuple[bool, str]:
    """(shown, text) of the composer's "What the plan does" block for `severity`."""
    match = re.search(rf'<div class="plan-summary-severity" id="plan-summary-{severity}" '
                      rf'data-severity="{severity}"( hidden)?>(.*?)</div>', html, re.S)
    assert match, f"no plan summary block for {severity}"
    return match[1] is None, re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match[2]))


def _selected_lead(html: str) -> str:
    select_html = re.search(r'<select[^>]*name="comms_lead_id".*?</select>', html, re.S)
    assert select_html
    chosen = re.search(r'<option selected value="([^"]*)"', select_html[0])
    return chosen[1] if chosen else ""


def _warning_shown(html: str, element_id: str) -> bool:
    tag = re.search(rf'<p [^>]*id="{element_id}"[^>]*>', html)
    assert tag, f"no #{element_id}"
    return " hidden" not in tag[0]


@pytest.mark.parametrize(("role", "offered"), [
    ("admin", True), ("communicator", True), ("viewer", False)])
def test_the_dashboard_offers_declare_incident_to_those_who_can(
    client: FlaskClient, factory: Factory, role: str, offered: bool
) -> None:
    as_role(client, factory, role)

    html = client.get("/console/").get_data(as_text=True)

    link = '<a class="button" href="/console/incidents/new" id="declare-incident">'
    assert (link + "Declare incident</a>" in html) is offered
    # The action comes before the lists: the first thing on the page.
    if offered:
        assert html.index("Declare incident") < html.index("Open incidents")


def test_a_viewer_cannot_reach_the_composer(client: FlaskClient, factory: Factory) -> None:
    as_role(client, factory, "viewer")
    assert client.get("/console/incidents/new").status_code == 403
    client.get("/console/logout")


def test_anonymous_visitors_are_sent_to_log_in(client: FlaskClient) -> None:
    response = client.get("/console/incidents/new")
    assert response.status_code in (302, 303)
    assert "/console/login" in response.headers["Location"]


def test_the_composer_defaults_the_lead_to_the_declarer_and_explains_the_plan(
    client: FlaskClient, factory: Factory
) -> None:
    add_subscribers(4)
    user = as_role(client, factory, "communicator")

    html = client.get("/console/incidents/new").get_data(as_text=True)

    assert "<h1>Declare incident</h1>" in html
    assert '<button type="submit" name="action" value="publish">Declare incident</button>' in html
    assert _selected_lead(html) == str(user.id)
    assert not _warning_shown(html, "lead-warning")
    # Severity definitions beside the picker, which they describe.
    assert re.search(r'<select aria-describedby="severity-definitions" id="severity"', html)
    definitions = re.search(r'<dl class="facts severity-definitions" id="severity-definitions">'
                            r"(.*?)</dl>", html, re.S)
    assert definitions and "<dt>SEV1: critical</dt><dd>Checkout, login or the whole service " \
        "down" in definitions[1]
    # The default severity (SEV3) is the one summarised; the others wait for the script.
    shown, sev3 = _block(html, "SEV3")
    assert shown
    assert "Published at once; no approval needed." in sev3
    assert "Target: within 60 minutes of declaring." in sev3
    assert "A public update every 120 minutes until resolved" in sev3
    assert "Public subscribers by email: 4 recipients" in sev3
    shown, sev1 = _block(html, "SEV1")
    assert not shown and "Target: within 15 minutes of declaring." in sev1
    shown, sev4 = _block(html, "SEV4")
    assert not shown
    assert "No target set." in sev4 and "None: no reminders." in sev4
    assert "Nobody is messaged; the page and the feeds show it." in sev4
    assert 'src="/static/console-declare.js" defer' in html


def test_every_re_render_summarises_the_chosen_severity(
    client: FlaskClient, factory: Factory
) -> None:
    plan_save.seed_default_plan()
    yaml_io.import_yaml(yaml_io.export_yaml().replace("approval: false", "approval: true", 1), None)
    executives = db.session.scalar(select(StakeholderGroup).filter_by(name="Executives"))
    add_member(executives, MemberInput("Ada", email="ada@example.com", phone="+4791234567"),
               None)
    as_role(client, factory, "communicator")

    for action in ("preview", "reach", "use_template"):
        html = client.post("/console/incidents/new", data={
            **DECLARE, "severity": "SEV1", "action": action, "comms_lead_id": ""}
        ).get_data(as_text=True)
        shown, sev1 = _block(html, "SEV1")
        assert shown, action
        assert not _block(html, "SEV3")[0]
        assert "Wait for approval: another communicator or admin approves each one" in sev1
        assert "Executives by SMS: 1 recipient" in sev1
        # The lead was left empty: the composer warns.
        assert _warning_shown(html, "lead-warning"), action
        assert _selected_lead(html) == ""

    html = client.post("/console/incidents/new", data={
        **DECLARE, "name": "", "severity": "SEV2"}).get_data(as_text=True)
    assert field_error(html, "name") == "Give the incident a title."
    assert _block(html, "SEV2")[0] and not _block(html, "SEV1")[0]
    assert not _warning_shown(html, "lead-warning")  # no lead field posted: the declarer


def test_a_severity_error_keeps_the_definitions_described(
    client: FlaskClient, factory: Factory
) -> None:
    as_role(client, factory, "admin")

    html = client.post("/console/incidents/new", data={**DECLARE, "severity": "SEV9"}
                       ).get_data(as_text=True)

    assert 'aria-describedby="severity-error severity-definitions"' in html
    assert 'aria-invalid="true"' in html


def test_notifications_off_is_said_in_the_summary(client: FlaskClient, factory: Factory) -> None:
    as_role(client, factory, "communicator")
    html = client.get("/console/incidents/new").get_data(as_text=True)
    assert not _warning_shown(html, "notify-off-warning")

    html = client.post("/console/incidents/new", data={
        "name": "Quiet", "severity": "SEV2", "status": "investigating", "action": "preview"}
    ).get_data(as_text=True)

    assert _warning_shown(html, "notify-off-warning")


def test_a_plan_without_definitions_shows_no_description_list(
    client: FlaskClient, factory: Factory
) -> None:
    yaml_io.import_yaml("version: 1\nseverities:\n  SEV1: {cadence_minutes: 30}\n", None)
    as_role(client, factory, "communicator")

    html = client.get("/console/incidents/new").get_data(as_text=True)

    assert 'id="severity-definitions"' not in html
    assert 'aria-describedby' not in re.search(r'<select[^>]*id="severity"[^>]*>', html)[0]
    assert "The plan gives no definition for this severity." in _block(html, "SEV1")[1]


def test_declaring_makes_the_declarer_the_communications_lead(
    client: FlaskClient, factory: Factory
) -> None:
    user = as_role(client, factory, "communicator")

    # A client posting no lead field (a script, an old form) gets the default too.
    response = client.post("/console/incidents/new", data={
        **DECLARE, "severity": "SEV2", "action": "publish"})

    assert response.status_code == 303
    assert _incident().comms_lead_id == user.id
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="lead-missing"' not in detail


def test_an_incident_without_a_lead_warns_on_its_page_while_it_has_a_cadence(
    client: FlaskClient, factory: Factory
) -> None:
    as_role(client, factory, "communicator")

    response = client.post("/console/incidents/new", data={
        **DECLARE, "severity": "SEV2", "comms_lead_id": "", "action": "publish"})

    incident = _incident()
    assert incident.comms_lead_id is None
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r'<p class="flash flash-warning" role="status" id="lead-missing">No '
                     r"communications lead: nobody will be reminded when a public update is "
                     r'overdue\. <a href="#roles-title">', detail)
    # A SEV4 has no cadence: nothing to be reminded of.
    quiet = factory.incident(name="Cosmetic", severity="SEV4")
    html = client.get(f"/console/incidents/{quiet.public_id}").get_data(as_text=True)
    assert 'id="lead-missing"' not in html
    # Once resolved, nobody needs reminding.
    client.post(f"/console/incidents/{incident.public_id}/resolve",
                data={"resolve-body": "Fixed.", "action": "publish"})
    html = client.get(f"/console/incidents/{incident.public_id}").get_data(as_text=True)
    assert 'id="lead-missing"' not in html
