"""Use-cases for the post-incident review: the postmortem (draft -> published) and its
follow-up action items.

A postmortem is written as a private markdown draft on the incident; publishing it shows it
on the incident page, in the feeds and in the API (status `postmortem`) and, when asked,
announces it to subscribers through a `postmortem_published` fan-out event committed with it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from statuspage import audit
from statuspage.core.errors import Conflict, DomainError, NotFound
from statuspage.core.extensions import db
from statuspage.core.transaction import use_case
from statuspage.models import ActionItem, Incident, PostmortemReview, User, utcnow
from statuspage.models.incidents import DRAFT
from statuspage.models.status import IncidentStatus
from statuspage.outbox import publish as delivery
from statuspage.page.record import touch_page
from statuspage.plan import rules as plan

POSTMORTEM_PUBLISHED = "postmortem_published"
MAX_BODY = 100_000
MAX_TITLE = 255


def revisions_wait(incident: Incident) -> bool:
    """Whether a change to this published postmortem waits for approval (the plan makes
    public text at its severity wait): saving it submits a revision instead."""
    return (incident.postmortem_published_at is not None
            and plan.needs_approval(plan.plan_severity(incident)))


@use_case
def save_draft(incident: Incident, body: str, actor: User | None,
               bypass_approval: bool = False) -> Incident:
    """Save the postmortem text. A published postmortem changes publicly at once, unless the
    plan makes public text wait for approval: then the changed text is submitted as a
    revision (a PostmortemReview; the public keeps reading the published text until a second
    user approves it), or replaces the author's own revision still waiting."""
    _check_incident(incident)
    text = (body or "").strip()
    if len(text) > MAX_BODY:
        raise DomainError(f"The postmortem is longer than {MAX_BODY} characters.", "body")
    if incident.postmortem_published_at is not None and not text:
        raise Conflict("A published postmortem cannot be emptied; unpublish it first.",
                          "body")
    if (not bypass_approval and revisions_wait(incident)
            and text != (incident.postmortem_body or "")):
        _submit_revision(incident, text, actor)
        db.session.commit()  # nothing public changed
        return incident
    now = utcnow()
    incident.postmortem_body = text or None
    incident.postmortem_updated_at = now
    audit.record(actor, "postmortem.save", "incident", incident.public_id,
                 published=incident.postmortem_published_at is not None, length=len(text))
    if incident.postmortem_published_at is not None:
        incident.updated_at = now
        touch_page()
    db.session.commit()
    return incident


@use_case
def publish(incident: Incident, notify: bool, actor: User | None,
            bypass_approval: bool = False) -> Incident:
    """Publish the saved draft: status `postmortem`, public everywhere, optionally announced.

    A state that refuses it (not resolved, nothing written, published or submitted already)
    is a Conflict.

    Only a resolved incident can have its postmortem published; subscribers are told once
    (publishing again after an unpublish does not announce it twice). Where the plan makes
    public text at the incident's severity wait for approval, the draft is submitted instead
    (a PostmortemReview, decided in statuspage.incidents.postmortem_reviews): the incident stays
    `resolved` and `postmortem_published_at` empty until a second user approves it.
    """
    _check_incident(incident)
    if incident.status not in (IncidentStatus.RESOLVED.value, IncidentStatus.POSTMORTEM.value):
        raise Conflict("Resolve the incident before publishing its postmortem.", "status")
    if incident.postmortem_published_at is not None:
        raise Conflict("This postmortem is already published.", "status")
    if not incident.postmortem_body:
        raise Conflict("Write the postmortem before publishing it.", "body")
    if not bypass_approval and plan.needs_approval(plan.plan_severity(incident)):
        _submit(incident, notify, actor)
        db.session.commit()  # nothing public changed
        return incident
    publish_now(incident, notify, actor, utcnow())
    db.session.commit()
    return incident


def publish_now(incident: Incident, notify: bool, actor: User | None, now: datetime,
                **audit_details: object) -> bool:
    """Make the incident's postmortem text public now, in the caller's transaction; returns
    whether subscribers are told (a `postmortem_published` fan-out event added)."""
    incident.status = IncidentStatus.POSTMORTEM.value
    incident.postmortem_published_at = now
    incident.updated_at = now
    announced = False
    if notify and not incident.postmortem_notified:
        announced = delivery.create_event_fanout(incident, POSTMORTEM_PUBLISHED) is not None
        incident.postmortem_notified = True
    audit.record(actor, "postmortem.publish", "incident", incident.public_id,
                 notify=notify, announced=announced, **audit_details)
    touch_page()
    return announced


def pending_review(incident: Incident) -> PostmortemReview | None:
    """The postmortem submitted for approval and not decided yet, if any."""
    return db.session.execute(
        select(PostmortemReview).where(PostmortemReview.incident_id == incident.id,
                                       PostmortemReview.state == DRAFT)
        .order_by(PostmortemReview.id.desc()).limit(1)
    ).scalar_one_or_none()


def _submit(incident: Incident, notify: bool, actor: User | None) -> PostmortemReview:
    if pending_review(incident) is not None:
        raise Conflict("This postmortem already waits for approval.", "status")
    assert incident.postmortem_body is not None
    review = PostmortemReview(incident_id=incident.id, body=incident.postmortem_body,
                              notify=notify, state=DRAFT,
                              author_id=actor.id if actor is not None else None,
                              created_at=utcnow())
    db.session.add(review)
    db.session.flush()
    audit.record(actor, "postmortem.submit", "incident", incident.public_id,
                 review=review.public_id, notify=notify)
    return review


def _submit_revision(incident: Incident, text: str, actor: User | None) -> PostmortemReview:
    waiting = pending_review(incident)
    if waiting is not None:
        if actor is None or waiting.author_id != actor.id:
            raise Conflict("A revision of this postmortem already waits for approval; it "
                              "must be decided or withdrawn first.", "body")
        waiting.body = text
        audit.record(actor, "postmortem.revise_draft", "incident", incident.public_id,
                     review=waiting.public_id, length=len(text))
        return waiting
    # Subscribers heard of the postmortem when it was published: a revision is not announced.
    review = PostmortemReview(incident_id=incident.id, body=text, notify=False, state=DRAFT,
                              author_id=actor.id if actor is not None else None,
                              created_at=utcnow())
    db.session.add(review)
    db.session.flush()
    audit.record(actor, "postmortem.submit_revision", "incident", incident.public_id,
                 review=review.public_id, length=len(text))
    return review


@use_case
def unpublish(incident: Incident, actor: User | None) -> Incident:
    """Take a published postmortem back to a draft; the incident is `resolved` again."""
    _check_incident(incident)
    if incident.postmortem_published_at is None:
        raise Conflict("This postmortem is not published.", "status")
    now = utcnow()
    incident.status = IncidentStatus.RESOLVED.value
    incident.postmortem_published_at = None
    incident.updated_at = now
    audit.record(actor, "postmortem.unpublish", "incident", incident.public_id)
    touch_page()
    db.session.commit()
    return incident


@use_case
def discard_draft(incident: Incident, actor: User | None) -> Incident:
    """Delete the unpublished postmortem text (Statuspage's DELETE …/postmortem)."""
    _check_incident(incident)
    if incident.postmortem_published_at is not None:
        raise Conflict("This postmortem is published; revert it to a draft first.", "status")
    if pending_review(incident) is not None:
        raise Conflict("This postmortem waits for approval; it must be decided or withdrawn "
                       "first.", "status")
    if not incident.postmortem_body:
        raise NotFound("This incident has no postmortem draft.")
    audit.record(actor, "postmortem.discard", "incident", incident.public_id,
                 length=len(incident.postmortem_body))
    incident.postmortem_body = None
    incident.postmortem_updated_at = utcnow()
    db.session.commit()
    return incident


# --- action items ----------------------------------------------------------------------------

def action_items(incident: Incident) -> list[ActionItem]:
    """An incident's action items: open ones first (by due date), then the done ones."""
    items = db.session.execute(
        select(ActionItem).where(ActionItem.incident_id == incident.id)
        .order_by(ActionItem.id)
    ).scalars().all()
    return sorted(items, key=lambda i: (i.is_done, i.due_date or date.max, i.id))


@use_case
def add_action_item(incident: Incident, title: str, owner: str, due_date: date | None,
                    actor: User | None, owner_id: int | None = None,
                    public: bool = False) -> ActionItem:
    """Add a follow-up task; the owner is a console user (`owner_id`) or free text (a team).

    A `public` item is listed (title and state, never the owner) under the published
    postmortem on the incident page.
    """
    _check_incident(incident)
    title = (title or "").strip()
    if not title:
        raise DomainError("Describe the action item.", "title")
    if len(title) > MAX_TITLE:
        raise DomainError(f"The title is longer than {MAX_TITLE} characters.", "title")
    label = (owner or "").strip()
    if owner_id is not None:
        user = db.session.get(User, owner_id)
        if user is None:
            raise DomainError("Choose a console user.", "owner_id")
        label = user.name or user.email
    if len(label) > MAX_TITLE:
        raise DomainError(f"The owner is longer than {MAX_TITLE} characters.", "owner")
    item = ActionItem(incident_id=incident.id, title=title, owner=label, owner_id=owner_id,
                      due_date=due_date, created_at=utcnow(), public=public)
    db.session.add(item)
    db.session.flush()
    audit.record(actor, "action_item.add", "incident", incident.public_id, item=item.id,
                 title=title, owner=label, due_date=due_date, public=public)
    _touch_if_shown(incident, item)
    db.session.commit()
    return item


@use_case
def set_action_item_done(incident: Incident, item_id: int, done: bool,
                         actor: User | None) -> ActionItem:
    """Mark an action item done (or open again)."""
    item = _item(incident, item_id)
    item.done_at = utcnow() if done else None
    audit.record(actor, "action_item.done" if done else "action_item.reopen", "incident",
                 incident.public_id, item=item.id)
    _touch_if_shown(incident, item)
    db.session.commit()
    return item


@use_case
def set_action_item_public(incident: Incident, item_id: int, public: bool,
                           actor: User | None) -> ActionItem:
    """Show an action item under the published postmortem (title and state), or stop."""
    item = _item(incident, item_id)
    shown_before = item.public
    item.public = public
    audit.record(actor, "action_item.public" if public else "action_item.private", "incident",
                 incident.public_id, item=item.id)
    if shown_before != public:
        _touch_if_shown(incident, item, force=True)
    db.session.commit()
    return item


@use_case
def delete_action_item(incident: Incident, item_id: int, actor: User | None) -> None:
    """Remove an action item entered by mistake."""
    item = _item(incident, item_id)
    audit.record(actor, "action_item.delete", "incident", incident.public_id, item=item.id,
                 title=item.title)
    _touch_if_shown(incident, item)
    db.session.delete(item)
    db.session.commit()


def _item(incident: Incident, item_id: int) -> ActionItem:
    item = db.session.get(ActionItem, item_id)
    if item is None or item.incident_id != incident.id:
        raise NotFound("No such action item.")
    return item


def _touch_if_shown(incident: Incident, item: ActionItem, force: bool = False) -> None:
    """A public item of a published postmortem is on the incident page: refresh its caches."""
    if (item.public or force) and incident.postmortem_published_at is not None:
        touch_page()


def _check_incident(incident: Incident) -> None:
    if incident.is_maintenance:
        raise DomainError("Maintenance has no postmortem.", "status")
