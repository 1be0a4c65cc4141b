"""Console: what the author (edit, withdraw), the approver (approve as is, edit and
approve, reject: the text goes back to the author's composer) and an admin (break glass) do
with a waiting update, and what each is told."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from statuspage.core.extensions import db
from statuspage.incidents.lifecycle import post_update
from statuspage.incidents.updates import UpdateInput
from statuspage.models import Incident, IncidentUpdate, User
from tests.approval_support import require_approval
from tests.console.conftest_content import as_role, sign_in, textarea_value
from tests.factories import Factory

DRAFT_TEXT = "Payments **fail** for some cards."


def _draft(factory: Factory, author: User | None = None) -> IncidentUpdate:
    api = factory.component("API")
    incident = factory.incident(name="Checkout errors", severity="SEV1",
                                components={api: "degraded_performance"})
    require_approval()
    author = author or factory.user(role="communicator", email="author@example.com")
    return post_update(incident, UpdateInput(
        status="identified", body=DRAFT_TEXT, component_statuses={api.id: "major_outage"}),
        author)


def _card(html: str, update: IncidentUpdate) -> str:
    match = re.search(rf'<article class="draft" id="draft-{update.public_id}".*?</article>',
                      html, re.S)
    assert match, "no card for the draft"
    return match.group(0)


def test_the_author_edits_the_draft_on_its_own_page(client: FlaskClient, factory: Factory
                                                   ) -> None:
    author = factory.user(role="communicator", email="author@example.com")
    update = _draft(factory, author)
    sign_in(client, author)
    api_id = update.changes[0].component_id

    page = client.get(f"/console/incidents/{update.incident.public_id}").get_data(as_text=True)
    assert f'href="/console/updates/{update.public_id}/edit"' in _card(page, update)
    form = client.get(f"/console/updates/{update.public_id}/edit").get_data(as_text=True)
    assert textarea_value(form, "body") == DRAFT_TEXT
    assert '<option selected value="identified">' in form
    refused = client.post(f"/console/updates/{update.public_id}/edit",
                          data={"status": "nonsense", "body": "Typed text"})
    assert refused.status_code == 422
    assert textarea_value(refused.get_data(as_text=True), "body") == "Typed text"
    response = client.post(f"/console/updates/{update.public_id}/edit", data={
        "status": "monitoring", "body": "Fixed; watching.",
        f"component-{api_id}": "degraded_performance"}, follow_redirects=True)

    assert "Draft saved; it still waits for approval." in response.get_data(as_text=True)
    db.session.expire_all()
    stored = db.session.get(IncidentUpdate, update.id)
    assert stored is not None
    assert (stored.state, stored.status, stored.body) == ("draft", "monitoring",
                                                          "Fixed; watching.")
    assert [c.new_status for c in stored.changes] == ["degraded_performance"]
    as_role(client, factory, "communicator")  # anyone else: no such page
    assert client.get(f"/console/updates/{update.public_id}/edit").status_code == 404


def test_the_author_withdraws_from_the_card(client: FlaskClient, factory: Factory) -> None:
    author = factory.user(role="communicator", email="author@example.com")
    update = _draft(factory, author)
    sign_in(client, author)

    response = client.post(f"/console/updates/{update.public_id}/withdraw",
                           follow_redirects=True)

    html = response.get_data(as_text=True)
    assert "Draft withdrawn" in html
    assert "Withdrawn by author@example.com before approval" in html
    db.session.expire_all()
    assert db.session.get(IncidentUpdate, update.id).state == "withdrawn"


def test_a_withdrawn_opening_leaves_the_incident_marked_not_public(
    client: FlaskClient, factory: Factory,
) -> None:
    require_approval()
    incident = factory.incident(name="False alarm")
    author = factory.user(role="communicator")
    opening = incident.updates[0]
    opening.author_id = author.id
    db.session.commit()
    sign_in(client, author)

    client.post(f"/console/updates/{opening.public_id}/withdraw")

    html = client.get(f"/console/incidents/{incident.public_id}").get_data(as_text=True)
    assert "Not public: its opening update was withdrawn or rejected." in html
    assert client.get(f"/incidents/{incident.public_id}").status_code == 404


def test_edit_and_approve_from_the_card_says_so(client: FlaskClient, factory: Factory) -> None:
    update = _draft(factory)
    as_role(client, factory, "communicator")

    response = client.post(f"/console/updates/{update.public_id}/approve", data={
        "comment": "", "body": "Payments fail for some cards; a fix is rolling out."},
        follow_redirects=True)

    html = response.get_data(as_text=True)
    assert "Edited and published." in html
    assert "Edited and approved by" in html
    db.session.expire_all()
    assert db.session.get(IncidentUpdate, update.id).review_action == "edited"


def test_plain_approval_from_the_card_says_approved_and_published(
    client: FlaskClient, factory: Factory,
) -> None:
    update = _draft(factory)
    as_role(client, factory, "communicator")

    response = client.post(f"/console/updates/{update.public_id}/approve",
                           data={"comment": "", "body": DRAFT_TEXT}, follow_redirects=True)

    assert "Update approved and published." in response.get_data(as_text=True)


def test_a_communicator_is_refused_break_glass_by_the_server(
    client: FlaskClient, factory: Factory,
) -> None:
    author = factory.user(role="communicator")
    update = _draft(factory, author)
    sign_in(client, author)

    page = client.get(f"/console/incidents/{update.incident.public_id}").get_data(as_text=True)
    assert "break glass" not in page.lower()
    response = client.post(f"/console/updates/{update.public_id}/break_glass",
                           data={"reason": "I am in a hurry"})

    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(IncidentUpdate, update.id).state == "draft"


def test_an_admin_breaks_glass_with_a_reason_shown_on_the_timeline(
    client: FlaskClient, factory: Factory,
) -> None:
    admin = factory.user(role="admin", email="boss@example.com")
    update = _draft(factory, admin)
    sign_in(client, admin)
    page = client.get(f"/console/incidents/{update.incident.public_id}").get_data(as_text=True)
    assert "Publish without approval (break glass)" in _card(page, update)

    refused = client.post(f"/console/updates/{update.public_id}/break_glass",
                          data={"reason": ""}, follow_redirects=True)
    assert "Give the reason for publishing without approval." in refused.get_data(as_text=True)
    response = client.post(f"/console/updates/{update.public_id}/break_glass",
                           data={"reason": "Approver unreachable"}, follow_redirects=True)

    html = response.get_data(as_text=True)
    assert "Published without approval (break glass)." in html
    assert ("Published without approval (break glass) by boss@example.com: "
            "Approver unreachable") in html
    audit = client.get("/console/audit").get_data(as_text=True)
    assert "incident.update_break_glass" in audit and "Approver unreachable" in audit


def test_a_rejection_puts_the_text_back_in_the_authors_composer(
    client: FlaskClient, factory: Factory,
) -> None:
    author = factory.user(role="communicator", email="author@example.com")
    update = _draft(factory, author)
    api_id = update.changes[0].component_id
    as_role(client, factory, "communicator")
    client.post(f"/console/updates/{update.public_id}/reject", data={"comment": "Too vague"})

    sign_in(client, author)
    html = client.get(f"/console/incidents/{update.incident.public_id}").get_data(as_text=True)

    assert re.search(r"Rejected by user\d+@example.com: Too vague\. Your text is back in the "
                     r"composer\.", html)
    assert textarea_value(html, "body") == DRAFT_TEXT
    assert '<option selected value="identified">' in html
    assert re.search(rf'<select id="component-{api_id}" name="component-{api_id}">.*?'
                     r'<option value="major_outage" selected>', html, re.S)


def test_a_rejected_resolution_goes_back_into_the_resolve_composer(
    client: FlaskClient, factory: Factory,
) -> None:
    author = factory.user(role="communicator", email="author@example.com")
    incident: Incident = factory.incident(name="Checkout errors")
    require_approval()
    sign_in(client, author)
    client.post(f"/console/incidents/{incident.public_id}/resolve",
                data={"resolve-body": "All good now.", "resolve-restore_components": "y"})
    draft = incident.updates[0]
    as_role(client, factory, "admin")
    client.post(f"/console/updates/{draft.public_id}/reject", data={"comment": "Not yet"})

    sign_in(client, author)
    html = client.get(f"/console/incidents/{incident.public_id}").get_data(as_text=True)

    assert "Not yet. Your text is back in the composer." in html
    assert textarea_value(html, "resolve-body") == "All good now."
    assert textarea_value(html, "body") == ""


def test_a_rejected_maintenance_step_goes_back_into_that_steps_form(
    client: FlaskClient, factory: Factory,
) -> None:
    author = factory.user(role="communicator", email="author@example.com")
    work = factory.maintenance()
    require_approval()
    sign_in(client, author)
    response = client.post(f"/console/maintenance/{work.public_id}/start", data={
        "start-body": "We start now.", "start-set_components": "y", "action": "publish"},
        follow_redirects=True)
    assert "Start submitted for approval" in response.get_data(as_text=True)
    step = db.session.get(Incident, work.id).updates[0]
    as_role(client, factory, "admin")
    client.post(f"/console/updates/{step.public_id}/reject", data={"comment": "Wait for ops"})

    sign_in(client, author)
    html = client.get(f"/console/maintenance/{work.public_id}").get_data(as_text=True)

    assert "Wait for ops. Your text is back in the composer." in html
    assert textarea_value(html, "start-body") == "We start now."


def test_a_card_decided_on_the_dashboard_goes_back_to_the_dashboard(
    client: FlaskClient, factory: Factory,
) -> None:
    update = _draft(factory)
    other = _draft_on_another_incident(factory)
    as_role(client, factory, "admin")

    dashboard = client.get("/console/").get_data(as_text=True)
    assert '<input type="hidden" name="from" value="dashboard">' in _card(dashboard, update)
    incident_page = client.get(f"/console/incidents/{update.incident.public_id}")
    assert 'name="from"' not in _card(incident_page.get_data(as_text=True), update)

    # From the dashboard: back to the dashboard, where the next card waits.
    answer = client.post(f"/console/updates/{update.public_id}/approve",
                         data={"comment": "", "from": "dashboard"})
    assert answer.status_code == 303 and answer.headers["Location"] == "/console/"
    # From the incident's page: back to the incident.
    answer = client.post(f"/console/updates/{other.public_id}/approve", data={"comment": ""})
    assert answer.headers["Location"] == f"/console/incidents/{other.incident.public_id}"


def _draft_on_another_incident(factory: Factory) -> IncidentUpdate:
    incident = factory.incident(name="Login errors", severity="SEV1")
    return post_update(incident, UpdateInput(status="identified", body="Logins fail."),
                       factory.user(role="communicator"))
