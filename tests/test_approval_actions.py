"""What people do with a waiting update: the author edits or withdraws it; the approver
approves it as it is or edits it first (recorded as such); a rejection tells the author; an
admin may break glass (publish without a second person) with a reason."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.incidents.approvals import approve_update, break_glass_update, reject_update
from statuspage.incidents.drafts import DraftEdit, edit_draft, returned_draft, withdraw_draft
from statuspage.incidents.lifecycle import IncidentInput, open_incident, post_update
from statuspage.incidents.updates import UpdateInput
from statuspage.models import AuditEntry, Component, Incident, IncidentUpdate, User, utcnow
from tests.approval_support import cheap_passwords, require_approval, team
from tests.console.conftest_content import sign_in, textarea_value
from tests.delivery_support import add_subscribers, phone
from tests.factories import Factory
from tests.subscription_support import outbox

DRAFT_TEXT = "We found the cause: a bad deploy."


@pytest.fixture(autouse=True)
def _cheap(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_passwords(monkeypatch)


def _draft(factory: Factory, author: User, **components: str) -> IncidentUpdate:
    incident = factory.incident(name="Checkout errors")
    require_approval()
    named = {factory.component(name).id: status for name, status in components.items()}
    return post_update(incident, UpdateInput(status="identified", body=DRAFT_TEXT,
                                             component_statuses=named), author)


def _audit(action: str) -> AuditEntry:
    entry = db.session.execute(select(AuditEntry).filter_by(action=action)
                               .order_by(AuditEntry.id.desc())).scalars().first()
    assert entry is not None, action
    return entry


def _public(client: FlaskClient, incident: Incident) -> str:
    return client.get(f"/incidents/{incident.public_id}").get_data(as_text=True)


def test_approving_as_is_records_approved_and_the_publication_time(factory: Factory) -> None:
    people = team(factory)
    update = _draft(factory, people["author"])
    before = utcnow()

    approve_update(update, people["colleague"], "fine")

    assert (update.state, update.review_action, update.body) == (
        "published", "approved", DRAFT_TEXT)
    assert update.published_at is not None and update.published_at >= before
    assert update.published_at == update.reviewed_at == update.display_at


def test_a_line_ending_or_trailing_space_difference_is_no_edit(factory: Factory) -> None:
    people = team(factory)
    update = _draft(factory, people["author"])

    approve_update(update, people["colleague"], body=DRAFT_TEXT.replace(" ", " ", 1) + " \r\n")

    assert update.review_action == "approved"


def test_edit_and_approve_publishes_the_edited_text_and_the_audit_keeps_both(
    client: FlaskClient, factory: Factory,
) -> None:
    people = team(factory)
    update = _draft(factory, people["author"])

    approve_update(update, people["colleague"], "Softened the wording",
                   body="We found the cause.\r\nA fix is rolling out.")

    assert (update.state, update.review_action) == ("published", "edited")
    assert update.body == "We found the cause.\nA fix is rolling out."
    assert update.published_at is not None
    entry = _audit("incident.update_approve")
    assert entry.details["review_action"] == "edited"
    assert entry.details["original"] == DRAFT_TEXT
    assert entry.details["edited"] == "We found the cause.\nA fix is rolling out."
    page = _public(client, update.incident)
    assert "A fix is rolling out." in page and "bad deploy" not in page


def test_an_approver_cannot_publish_an_emptied_text(factory: Factory) -> None:
    people = team(factory)
    update = _draft(factory, people["author"])

    with pytest.raises(DomainError, match="empty"):
        approve_update(update, people["colleague"], body="   ")
    assert update.state == "draft"


def test_the_author_edits_a_waiting_draft_and_it_still_waits(factory: Factory) -> None:
    people = team(factory)
    update = _draft(factory, people["author"], API="degraded_performance")
    web = factory.component("Web")

    edit_draft(update, DraftEdit(status="monitoring", body="Fixed, watching.",
                                 component_statuses={web.id: "partial_outage"}),
               people["author"])

    stored = db.session.get(IncidentUpdate, update.id)
    assert stored is not None
    assert (stored.state, stored.status, stored.body) == ("draft", "monitoring",
                                                          "Fixed, watching.")
    assert [(c.component.name, c.new_status) for c in stored.changes] == [
        ("Web", "partial_outage")]
    assert db.session.get(Component, web.id).status == "operational"  # nothing applied yet
    entry = _audit("incident.update_edit_draft")
    assert entry.details["before"]["body"] == DRAFT_TEXT
    assert entry.details["after"]["status"] == "monitoring"


@pytest.mark.parametrize("who", ["colleague", "admin"])
def test_only_the_author_edits_or_withdraws_a_draft(factory: Factory, who: str) -> None:
    people = team(factory)
    update = _draft(factory, people["author"])

    with pytest.raises(DomainError, match="Only its author"):
        edit_draft(update, DraftEdit(status="identified", body="x"), people[who])
    with pytest.raises(DomainError, match="Only its author"):
        withdraw_draft(update, people[who])
    assert update.state == "draft" and update.body == DRAFT_TEXT


def test_the_author_withdraws_a_draft_and_it_is_never_published(
    client: FlaskClient, factory: Factory,
) -> None:
    people = team(factory)
    update = _draft(factory, people["author"])

    withdraw_draft(update, people["author"])

    assert (update.state, update.review_action, update.published_at) == (
        "withdrawn", "withdrawn", None)
    with pytest.raises(DomainError, match="not waiting"):
        approve_update(update, people["colleague"])
    assert DRAFT_TEXT not in _public(client, update.incident)
    assert _audit("incident.update_withdraw").details["update"] == update.public_id


def test_an_incident_whose_opening_is_withdrawn_stays_off_the_public_page(
    client: FlaskClient, factory: Factory,
) -> None:
    people = team(factory)
    factory.component("API")
    require_approval()
    incident = open_incident(IncidentInput(
        name="Secret outage", severity="SEV1",
        update=UpdateInput(status="investigating", body="Looking.")), people["author"])

    withdraw_draft(incident.updates[0], people["author"])

    assert incident.awaiting_approval
    assert "Secret outage" not in client.get("/").get_data(as_text=True)
    assert client.get(f"/incidents/{incident.public_id}").status_code == 404
    # Its next public update is the opening that waits for approval.
    again = post_update(incident, UpdateInput(status="identified", body="Found it."),
                        people["author"])
    assert again.state == "draft"
    approve_update(again, people["colleague"])
    assert not incident.awaiting_approval
    assert "Found it." in _public(client, incident)


def test_a_rejection_tells_the_author_with_the_comment_and_the_link(factory: Factory) -> None:
    people = team(factory)
    update = _draft(factory, people["author"])

    reject_update(update, people["colleague"], "Do not name the vendor.")

    (message,) = [m for m in outbox("email", to="author@example.com")
                  if m.subject and m.subject.endswith("Rejected: Checkout errors")]
    assert "was rejected by colleague@example.com" in message.body
    assert "Do not name the vendor." in message.body
    assert (f"https://status.example.com/console/incidents/{update.incident.public_id}"
            "#update-title") in message.body
    assert "back in the composer" in message.body


def test_the_rejected_text_returns_until_a_later_update_supersedes_it(factory: Factory) -> None:
    people = team(factory)
    update = _draft(factory, people["author"], API="major_outage")
    reject_update(update, people["colleague"], "Too vague")

    returned = returned_draft(update.incident, people["author"])
    assert returned is not None
    assert (returned.status, returned.body, returned.comment) == (
        "identified", DRAFT_TEXT, "Too vague")
    assert list(returned.component_statuses.values()) == ["major_outage"]
    assert returned_draft(update.incident, people["colleague"]) is None  # only the author's

    post_update(update.incident, UpdateInput(status="identified", body="Better text."),
                people["author"])
    assert returned_draft(update.incident, people["author"]) is None


def test_an_admin_breaks_glass_on_their_own_draft_with_a_reason(
    client: FlaskClient, factory: Factory,
) -> None:
    people = team(factory)
    update = _draft(factory, people["admin"], API="major_outage")

    break_glass_update(update, people["admin"], "Nobody else is awake; customers are blind.")

    assert (update.state, update.review_action, update.review_comment) == (
        "published", "break_glass", "Nobody else is awake; customers are blind.")
    assert update.published_at is not None and update.reviewed_by_id == people["admin"].id
    entry = _audit("incident.update_break_glass")
    assert entry.actor_label == "admin@example.com"
    assert entry.details["reason"] == "Nobody else is awake; customers are blind."
    assert DRAFT_TEXT in _public(client, update.incident)


def test_break_glass_needs_a_reason_and_an_admin(factory: Factory) -> None:
    people = team(factory)
    update = _draft(factory, people["author"])

    with pytest.raises(DomainError, match="reason"):
        break_glass_update(update, people["admin"], "  ")
    with pytest.raises(DomainError, match="Only admins"):
        break_glass_update(update, people["colleague"], "urgent")
    with pytest.raises(DomainError, match="Only admins"):
        break_glass_update(update, people["author"], "urgent")
    assert update.state == "draft"


def test_the_approver_corrects_the_sms_text_too_and_that_is_what_is_sent(
    factory: Factory,
) -> None:
    # SEV1 in the default plan: the opening reaches public SMS subscribers.
    people = team(factory)
    require_approval()
    add_subscribers(1, "sms")
    incident = open_incident(IncidentInput(
        name="Checkout errors", severity="SEV1", update=UpdateInput(
            status="investigating", body="Card payments fail; a bad deploy.",
            sms_body="Acme: card payments fail after a bad deploy.")), people["author"])
    draft = incident.updates[0]

    approve_update(draft, people["colleague"], body="Card payments fail.",
                   sms_body="Acme: card payments fail. We are on it.")

    assert (draft.review_action, draft.sms_body) == (
        "edited", "Acme: card payments fail. We are on it.")
    edit = _audit("incident.update_sms_edit")
    assert edit.details["original"] == "Acme: card payments fail after a bad deploy."
    (sent,) = outbox("sms", to=phone(0))
    assert "We are on it." in sent.body and "bad deploy" not in sent.body


def test_emptying_the_sms_text_makes_the_sms_from_the_approved_text(factory: Factory) -> None:
    people = team(factory)
    draft = _draft(factory, people["author"])
    draft.sms_body = "The old wording."
    db.session.commit()

    approve_update(draft, people["colleague"], sms_body="")

    assert (draft.sms_body, draft.review_action) == (None, "edited")


def test_the_card_offers_the_sms_text_for_correction(client: FlaskClient, factory: Factory
                                                     ) -> None:
    people = team(factory)
    draft = _draft(factory, people["author"])
    draft.sms_body = "Acme: checkout errors, fix rolling out."
    db.session.commit()
    sign_in(client, people["colleague"])

    html = client.get("/console/").get_data(as_text=True)

    assert 'name="sms_body"' in html
    assert textarea_value(html, "sms_body") == "Acme: checkout errors, fix rolling out."
