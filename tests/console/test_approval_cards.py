"""Console: the approval card says exactly what approving does (severity, status, component
changes, reach, text); the section refreshes itself from /console/approvals/summary; the
author edits or withdraws, the approver edits and approves, an admin breaks glass."""

from __future__ import annotations

import re
from collections import Counter
from html import unescape

from flask.testing import FlaskClient
from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.incidents.lifecycle import post_update
from statuspage.incidents.updates import UpdateInput
from statuspage.models import FanoutEvent, IncidentUpdate, User
from statuspage.models.plan import PUBLIC
from statuspage.plan.stakeholder_members import MemberInput
from tests.approval_support import require_approval
from tests.console.conftest_content import as_role
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
    card = _card(client.get("/console/").get_data(as_text=True), update)
    shown = _reach(card)
    # The group heard of the draft when it was saved (internal first): approval reaches the
    # public only, and the card says the group is not told again.
    assert shown == Counter({(PUBLIC, "email"): 3, (PUBLIC, "sms"): 2})
    assert "Already told while it waits (not again): Executives, email: 2; Executives, SMS: 1" \
        in _text(card)

    client.post(f"/console/updates/{update.public_id}/approve", data={"comment": ""})

    events = db.session.execute(select(FanoutEvent).filter_by(update_id=update.id)
                                .order_by(FanoutEvent.id)).scalars().all()
    notice, event = events  # the groups' notice of the draft, then the publication's
    assert delivered_by_audience(notice.id) == Counter({(group.public_id, "email"): 2,
                                                        (group.public_id, "sms"): 1})
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
    assert '<script src="/static/console-refresh.js" defer></script>' in html
    assert "<title>(1) Dashboard" in html
    assert 'data-refresh-url="/console/approvals/summary"' in html
    nav = re.search(r'<li id="nav-approvals"[^>]*>.*?</li>', html, re.S)
    assert nav and "hidden" not in nav.group(0).split(">")[0]
    assert 'id="nav-approvals-count">1<' in nav.group(0)
