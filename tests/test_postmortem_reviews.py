"""Postmortem publication follows the plan's approval rule: submitted, approvers told, then
approved (as reviewed, or edited), rejected (author told, draft kept), withdrawn, or published
by an admin without a second person (break glass)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.incidents import postmortem_reviews, postmortems
from statuspage.incidents.lifecycle import resolve_incident
from statuspage.models import AuditEntry, FanoutEvent, Incident, PostmortemReview, User
from tests.approval_support import OTHER_PHONE, cheap_passwords, require_approval, team
from tests.console.conftest_content import sign_in, textarea_value
from tests.factories import Factory
from tests.subscription_support import outbox

TEXT = "## What happened\n\nA **bad** deploy."


@pytest.fixture(autouse=True)
def _cheap(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_passwords(monkeypatch)


def _submitted(factory: Factory, author: User, notify: bool = True) -> PostmortemReview:
    incident = factory.incident(name="Login failures", severity="SEV1")
    resolve_incident(incident, "Fixed.", None)
    require_approval()
    postmortems.save_draft(incident, TEXT, author)
    postmortems.publish(incident, notify, author)
    review = postmortems.pending_review(incident)
    assert review is not None
    return review


def _events(incident: Incident) -> int:
    return db.session.scalar(select(func.count(FanoutEvent.id)).filter_by(
        incident_id=incident.id, kind="postmortem_published")) or 0


def test_publishing_under_approval_submits_it_and_tells_the_approvers(
    client: FlaskClient, factory: Factory,
) -> None:
    people = team(factory)

    review = _submitted(factory, people["author"])

    incident = review.incident
    assert (review.state, review.body, review.notify) == ("draft", TEXT, True)
    assert incident.postmortem_published_at is None and incident.status == "resolved"
    assert "What happened" not in client.get(f"/incidents/{incident.public_id}").get_data(
        as_text=True)
    assert sorted(m.to for m in outbox("email")) == ["admin@example.com",
                                                     "colleague@example.com"]
    (message,) = outbox("email", to="colleague@example.com")
    assert message.subject.endswith("Approval needed: Login failures (SEV1)")
    assert "What: Postmortem" in message.body
    assert f"/console/incidents/{incident.public_id}/postmortem#draft-{review.public_id}" in (
        message.body)
    assert [m.to for m in outbox("sms")] == [OTHER_PHONE]
    with pytest.raises(DomainError, match="already waits"):
        postmortems.publish(incident, True, people["author"])


def test_approval_publishes_exactly_the_reviewed_text_and_announces_it_once(
    client: FlaskClient, factory: Factory,
) -> None:
    people = team(factory)
    review = _submitted(factory, people["author"])
    incident = review.incident
    postmortems.save_draft(incident, TEXT + "\n\nUnreviewed later edit.", people["author"])

    postmortem_reviews.approve(review, people["colleague"], "Clear.")

    assert (review.state, review.review_action) == ("published", "approved")
    assert incident.status == "postmortem" and incident.postmortem_published_at is not None
    assert incident.postmortem_body == TEXT
    assert _events(incident) == 1
    page = client.get(f"/incidents/{incident.public_id}").get_data(as_text=True)
    assert "<strong>bad</strong> deploy" in page and "Unreviewed" not in page


def test_edit_and_approve_is_recorded_with_both_texts(factory: Factory) -> None:
    people = team(factory)
    review = _submitted(factory, people["author"], notify=False)

    postmortem_reviews.approve(review, people["admin"], body="## What happened\n\nA deploy.")

    assert review.review_action == "edited"
    assert review.incident.postmortem_body == "## What happened\n\nA deploy."
    assert _events(review.incident) == 0
    entry = db.session.execute(select(AuditEntry).filter_by(action="postmortem.publish")
                               ).scalar_one()
    assert (entry.details["original"], entry.details["edited"]) == (
        TEXT, "## What happened\n\nA deploy.")


def test_nobody_approves_their_own_postmortem_and_viewers_never(factory: Factory) -> None:
    people = team(factory)
    review = _submitted(factory, people["author"])

    with pytest.raises(DomainError, match="your own postmortem"):
        postmortem_reviews.approve(review, people["author"])
    with pytest.raises(DomainError, match="communicators and admins"):
        postmortem_reviews.approve(review, people["viewer"])
    assert review.state == "draft"


def test_a_rejection_tells_the_author_and_the_page_shows_the_comment_with_the_draft(
    client: FlaskClient, factory: Factory,
) -> None:
    people = team(factory)
    review = _submitted(factory, people["author"])

    postmortem_reviews.reject(review, people["colleague"], "Name the customer impact.")

    assert review.incident.postmortem_published_at is None
    (message,) = [m for m in outbox("email", to="author@example.com")
                  if m.subject.endswith("Rejected: Login failures")]
    assert "rejected by colleague@example.com" in message.body
    assert "Name the customer impact." in message.body
    assert "/postmortem#editor-title" in message.body
    sign_in(client, people["author"])
    page = client.get(f"/console/incidents/{review.incident.public_id}/postmortem"
                      ).get_data(as_text=True)
    assert ("Rejected by colleague@example.com: Name the customer impact. Your draft is "
            "still in the editor") in page
    assert textarea_value(page, "body") == TEXT


def test_the_author_withdraws_and_may_submit_again(factory: Factory) -> None:
    people = team(factory)
    review = _submitted(factory, people["author"])

    with pytest.raises(DomainError, match="Only its author"):
        postmortem_reviews.withdraw(review, people["colleague"])
    postmortem_reviews.withdraw(review, people["author"])

    assert (review.state, review.review_action) == ("withdrawn", "withdrawn")
    postmortems.publish(review.incident, True, people["author"])
    assert postmortems.pending_review(review.incident) is not None


def test_an_admin_breaks_glass_with_a_reason_and_a_communicator_cannot(
    factory: Factory,
) -> None:
    people = team(factory)
    review = _submitted(factory, people["admin"])

    with pytest.raises(DomainError, match="Only admins"):
        postmortem_reviews.break_glass(review, people["colleague"], "hurry")
    with pytest.raises(DomainError, match="reason"):
        postmortem_reviews.break_glass(review, people["admin"], "")
    postmortem_reviews.break_glass(review, people["admin"], "Board meeting in 10 minutes")

    assert (review.review_action, review.review_comment) == (
        "break_glass", "Board meeting in 10 minutes")
    assert review.incident.status == "postmortem"
    entry = db.session.execute(select(AuditEntry).filter_by(action="postmortem.break_glass")
                               ).scalar_one()
    assert entry.details["reason"] == "Board meeting in 10 minutes"


def test_the_console_submits_shows_the_pending_state_and_approves(
    client: FlaskClient, factory: Factory,
) -> None:
    people = team(factory)
    incident = factory.incident(name="Login failures", severity="SEV1")
    resolve_incident(incident, "Fixed.", None)
    require_approval()
    postmortems.save_draft(incident, TEXT, people["author"])
    sign_in(client, people["author"])
    page = client.get(f"/console/incidents/{incident.public_id}/postmortem"
                      ).get_data(as_text=True)
    assert "Submit for approval" in page

    response = client.post(f"/console/incidents/{incident.public_id}/postmortem/publish",
                           data={"publish-notify": "y"}, follow_redirects=True)

    html = response.get_data(as_text=True)
    assert "Postmortem submitted for approval" in html
    assert "Submitted for approval, not public yet" in html
    assert "Your postmortem is waiting for approval" in html
    assert "Published" not in html.split('id="publish-title"')[1].split("</section>")[0]
    sign_in(client, people["colleague"])
    dashboard = client.get("/console/").get_data(as_text=True)
    review = postmortems.pending_review(incident)
    assert review is not None
    assert f'id="draft-{review.public_id}"' in dashboard and "<title>(1) Dashboard" in dashboard
    approved = client.post(f"/console/postmortem-reviews/{review.public_id}/approve",
                           data={"comment": "", "body": TEXT}, follow_redirects=True)
    assert "Postmortem approved and published." in approved.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).status == "postmortem"


def test_break_glass_on_a_postmortem_is_refused_to_communicators_by_the_server(
    client: FlaskClient, factory: Factory,
) -> None:
    people = team(factory)
    review = _submitted(factory, people["author"])
    sign_in(client, people["author"])

    response = client.post(f"/console/postmortem-reviews/{review.public_id}/break_glass",
                           data={"reason": "hurry"})

    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(PostmortemReview, review.id).state == "draft"
