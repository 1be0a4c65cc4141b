"""Console: the approval card says exactly what approving does (severity, status, component
changes, reach, text); the section refreshes itself from /console/approvals/summary; the
author edits or withdraws, the approver edits and approves, an admin breaks glass."""

from __future__ import annotations

import re
from collections import Counter
from html import unescape

from flask.testing import FlaskClient
from sqlalchemy import select

from statuspage.extensions import db
from statuspage.incidents import UpdateInput, post_update
from statuspage.models import FanoutEvent, Incident, IncidentUpdate, User
from statuspage.models.plan import PUBLIC
from statuspage.stakeholders import MemberInput
from tests.approval_support import require_approval
from tests.console.conftest_content import as_role, sign_in, textarea_value
from tests.delivery_support import add_subscribers
from tests.factories import Factory
from tests.stakeholder_support import delivered_by_audience, group_with, store_plan

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


def _text(fragment: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _reach(card: str) -> Counter[tuple[str, str]]:
    return Counter({(audience, channel): int(count) for audience, channel, count in re.findall(
        r'data-audience="([^"]+)" data-channel="([^"]+)">[^<]*<span class="num">(\d+)</span>',
        card)})


def test_the_card_shows_severity_status_component_changes_and_the_rendered_text(
    client: FlaskClient, factory: Factory,
) -> None:
    update = _draft(factory)
    as_role(client, factory, "communicator")

    card = _card(client.get("/console/").get_data(as_text=True), update)

    text = _text(card)
    assert "Checkout errors : Update" in text
    assert "Severity SEV1" in text
    assert "Status Investigating → Identified" in text
    assert "API: Degraded Performance → Major Outage" in text
    assert "<strong>fail</strong>" in card
    assert "Author author@example.com" in text


def test_the_cards_reach_is_what_the_fanout_delivers_on_approval(
    client: FlaskClient, factory: Factory,
) -> None:
    group = group_with("Executives", MemberInput("Ada", "ada@example.com", "+12025550143"),
                       MemberInput("Bob", "bob@example.com"))
    store_plan({PUBLIC: ["email", "sms"], "Executives": ["email", "sms"]})
    add_subscribers(3)
    add_subscribers(2, "sms")
    update = _draft(factory)
    as_role(client, factory, "admin")
    shown = _reach(_card(client.get("/console/").get_data(as_text=True), update))
    assert shown == Counter({(PUBLIC, "email"): 3, (PUBLIC, "sms"): 2,
                             (group.public_id, "email"): 2, (group.public_id, "sms"): 1})

    client.post(f"/console/updates/{update.public_id}/approve", data={"comment": ""})

    event = db.session.execute(select(FanoutEvent).filter_by(update_id=update.id)).scalar_one()
    assert delivered_by_audience(event.id) == shown


def test_a_draft_posted_without_notifications_says_nobody_is_told(
    client: FlaskClient, factory: Factory,
) -> None:
    incident = factory.incident(name="Quiet", severity="SEV2")
    require_approval()
    update = post_update(incident, UpdateInput(status="monitoring", body="x",
                                               deliver_notifications=False),
                         factory.user(role="communicator"))
    as_role(client, factory, "communicator")

    card = _card(client.get("/console/").get_data(as_text=True), update)

    assert "Posted without notifications: nobody is told." in card


def test_the_summary_fragment_lists_what_waits_for_every_role_and_is_never_cached(
    client: FlaskClient, factory: Factory,
) -> None:
    update = _draft(factory)
    for role in ("admin", "communicator", "viewer"):
        as_role(client, factory, role)
        response = client.get("/console/approvals/summary")
        assert response.status_code == 200, role
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Approvals-Count"] == "1"
        html = response.get_data(as_text=True)
        assert f'id="draft-{update.public_id}"' in html and 'data-count="1"' in html
        assert ("Approve and publish" in html) == (role != "viewer")
    client.post("/console/logout")
    anonymous = client.get("/console/approvals/summary")
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/console/login")


def test_the_summary_of_one_incident_is_hidden_when_nothing_waits(
    client: FlaskClient, factory: Factory,
) -> None:
    incident = factory.incident()
    as_role(client, factory, "communicator")

    html = client.get(f"/console/approvals/summary?incident={incident.public_id}"
                      ).get_data(as_text=True)

    assert re.search(r'<section[^>]*id="approvals"[^>]*hidden', html)
    assert client.get("/console/approvals/summary?incident=nope").status_code == 404


def test_the_dashboard_refreshes_itself_and_counts_in_title_and_navigation(
    client: FlaskClient, factory: Factory,
) -> None:
    _draft(factory)
    as_role(client, factory, "communicator")

    html = client.get("/console/").get_data(as_text=True)

    assert '<noscript><meta http-equiv="refresh" content="30"></noscript>' in html
    assert '<script src="/static/approvals-refresh.js" defer></script>' in html
    assert "<title>(1) Dashboard" in html
    assert 'data-refresh-url="/console/approvals/summary"' in html
    nav = re.search(r'<li id="nav-approvals"[^>]*>.*?</li>', html, re.S)
    assert nav and "hidden" not in nav.group(0).split(">")[0]
    assert 'id="nav-approvals-count">1<' in nav.group(0)


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
