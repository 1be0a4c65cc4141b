"""A change to a published postmortem follows the plan's approval rule too: saving submits a
revision, the public keeps reading the published text until a second person approves it, and
subscribers are not told again."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.incidents import postmortem_reviews, postmortems
from statuspage.incidents.lifecycle import resolve_incident
from statuspage.incidents.metrics import incident_metrics
from statuspage.models import AuditEntry, FanoutEvent, Incident, User
from tests.approval_support import cheap_passwords, require_approval, team
from tests.console.conftest_content import sign_in, textarea_value
from tests.factories import Factory
from tests.subscription_support import outbox

PUBLISHED = "## Summary\n\nA bad deploy broke logins for 20 minutes."
REVISED = "## Summary\n\nA bad deploy broke logins for 25 minutes (corrected)."


@pytest.fixture(autouse=True)
def _cheap(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_passwords(monkeypatch)


def _published(factory: Factory, author: User, reviewer: User) -> Incident:
    incident = factory.incident(name="Login failures", severity="SEV1")
    resolve_incident(incident, "Fixed.", None)
    require_approval()
    postmortems.save_draft(incident, PUBLISHED, author)
    postmortems.publish(incident, True, author)
    review = postmortems.pending_review(incident)
    assert review is not None
    postmortem_reviews.approve(review, reviewer)
    assert incident.postmortem_published_at is not None
    return incident


def _announcements(incident: Incident) -> int:
    return db.session.scalar(select(func.count(FanoutEvent.id)).filter_by(
        incident_id=incident.id, kind="postmortem_published")) or 0


def test_a_change_waits_for_approval_and_the_public_keeps_the_published_text(
    client: FlaskClient, factory: Factory,
) -> None:
    people = team(factory)
    incident = _published(factory, people["author"], people["colleague"])
    notices_before = len(outbox("email", to="colleague@example.com"))

    postmortems.save_draft(incident, REVISED, people["author"])

    revision = postmortems.pending_review(incident)
    assert revision is not None and (revision.body, revision.notify) == (REVISED, False)
    assert incident.postmortem_body == PUBLISHED
    page = client.get(f"/incidents/{incident.public_id}").get_data(as_text=True)
    assert "20 minutes" in page and "corrected" not in page
    # The approvers are told, as of any public text waiting.
    notices = outbox("email", to="colleague@example.com")[notices_before:]
    assert [m.subject.endswith("Approval needed: Login failures (SEV1)") for m in notices] == [
        True]
    assert "What: Postmortem revision" in notices[0].body

    postmortem_reviews.approve(revision, people["colleague"])

    page = client.get(f"/incidents/{incident.public_id}").get_data(as_text=True)
    assert "corrected" in page and incident.postmortem_body == REVISED
    assert _announcements(incident) == 1  # announced when published, not again
    assert db.session.scalar(select(AuditEntry).filter_by(action="postmortem.revise")
                             ) is not None


def test_the_author_may_rework_their_waiting_change_and_others_wait(
    factory: Factory,
) -> None:
    people = team(factory)
    incident = _published(factory, people["author"], people["colleague"])
    postmortems.save_draft(incident, REVISED, people["author"])
    postmortems.save_draft(incident, REVISED + "\n\nOne more line.", people["author"])

    (revision,) = postmortem_reviews.pending(incident)
    assert revision.body.endswith("One more line.")
    with pytest.raises(DomainError, match="already waits for approval"):
        postmortems.save_draft(incident, "Something else.", people["colleague"])
    assert incident.postmortem_body == PUBLISHED


def test_saving_the_published_text_unchanged_submits_nothing(factory: Factory) -> None:
    people = team(factory)
    incident = _published(factory, people["author"], people["colleague"])
    postmortems.save_draft(incident, PUBLISHED, people["author"])
    assert postmortems.pending_review(incident) is None


def test_the_editor_shows_the_waiting_change_and_says_what_saving_does(
    client: FlaskClient, factory: Factory,
) -> None:
    people = team(factory)
    incident = _published(factory, people["author"], people["colleague"])
    sign_in(client, people["author"])

    before = client.get(f"/console/incidents/{incident.public_id}/postmortem").get_data(
        as_text=True)
    assert "Saving submits the change for approval" in before
    answer = client.post(f"/console/incidents/{incident.public_id}/postmortem",
                         data={"body": REVISED, "action": "save"}, follow_redirects=True)

    html = answer.get_data(as_text=True)
    assert "Change submitted for approval; the public page keeps the published text" in html
    assert "A change to the published postmortem waits for approval" in html
    assert textarea_value(html, "body") == REVISED


def test_time_in_approval_is_the_first_publications_wait(factory: Factory) -> None:
    people = team(factory)
    incident = _published(factory, people["author"], people["colleague"])
    first = incident_metrics(incident).postmortem_approval
    postmortems.save_draft(incident, REVISED, people["author"])
    revision = postmortems.pending_review(incident)
    assert revision is not None
    postmortem_reviews.approve(revision, people["colleague"])
    assert incident_metrics(incident).postmortem_approval == first
