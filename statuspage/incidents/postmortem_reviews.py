"""Deciding a postmortem submitted for approval (a PostmortemReview), as for updates.

postmortems.publish submits the draft where the plan makes public text wait; a second
communicator or admin approves it (publishing exactly the reviewed text, which they may
correct first: "edited"), or rejects it with a comment (the author is told; the draft stays
in the editor); the author may withdraw it; an admin may publish it without a second person
(break glass) with a reason.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from statuspage import audit
from statuspage.core.errors import DomainError, NotFound
from statuspage.core.extensions import db
from statuspage.core.transaction import use_case
from statuspage.incidents import approval_notices, postmortems
from statuspage.incidents.approvals import (
    APPROVED,
    BREAK_GLASS,
    EDITED,
    MAX_COMMENT,
    REVIEWER_ROLES,
    can_break_glass,
    edited_text,
)
from statuspage.models import Incident, PostmortemReview, User, utcnow
from statuspage.models.incidents import DRAFT, PUBLISHED, REJECTED, WITHDRAWN
from statuspage.models.status import IncidentStatus
from statuspage.page.record import touch_page


def pending(incident: Incident | None = None) -> list[PostmortemReview]:
    """Postmortems awaiting approval, oldest first (all incidents, or one)."""
    query = select(PostmortemReview).where(PostmortemReview.state == DRAFT)
    if incident is not None:
        query = query.where(PostmortemReview.incident_id == incident.id)
    return list(db.session.execute(
        query.order_by(PostmortemReview.created_at, PostmortemReview.id)).scalars())


def latest(incident: Incident) -> PostmortemReview | None:
    """The incident's most recent submission, whatever became of it."""
    return db.session.execute(
        select(PostmortemReview).where(PostmortemReview.incident_id == incident.id)
        .order_by(PostmortemReview.id.desc()).limit(1)
    ).scalar_one_or_none()


def get(public_id: str) -> PostmortemReview:
    review = db.session.execute(
        select(PostmortemReview).where(PostmortemReview.public_id == public_id)
    ).scalar_one_or_none()
    if review is None:
        raise NotFound("No such postmortem review.")
    return review


def can_review(review: PostmortemReview, user: User | None) -> bool:
    """Whether `user` may approve or reject `review` (a second communicator or admin)."""
    return (review.state == DRAFT and user is not None and user.role in REVIEWER_ROLES
            and review.author_id != user.id)


@use_case
def approve(review: PostmortemReview, reviewer: User, comment: str = "",
            body: str | None = None) -> PostmortemReview:
    """Publish exactly the reviewed text (or the reviewer's correction of it: "edited")."""
    _check_reviewer(review, reviewer, "approve", comment)
    edited = edited_text(review.body, body)
    return _publish(review, reviewer, comment, EDITED if edited is not None else APPROVED,
                    edited)


@use_case
def break_glass(review: PostmortemReview, admin: User, reason: str) -> PostmortemReview:
    """An admin publishes the submitted postmortem without a second person, with a reason."""
    _check_waiting(review)
    if not can_break_glass(admin):
        raise DomainError("Only admins can publish without approval.", "review")
    reason = reason.strip()
    if not reason:
        raise DomainError("Give the reason for publishing without approval.", "reason")
    if len(reason) > MAX_COMMENT:
        raise DomainError(f"The reason is longer than {MAX_COMMENT} characters.", "reason")
    return _publish(review, admin, reason, BREAK_GLASS)


def _publish(review: PostmortemReview, reviewer: User, comment: str, action: str,
             edited: str | None = None) -> PostmortemReview:
    incident = review.incident
    revision = incident.postmortem_published_at is not None
    if not revision and incident.status != IncidentStatus.RESOLVED.value:
        raise DomainError("This postmortem can no longer be published this way.", "review")
    now = utcnow()
    original = review.body
    if edited is not None:
        review.body = edited
    _decide(review, reviewer, comment, PUBLISHED, action, now)
    # What was reviewed is what the public reads, even if the draft changed since.
    incident.postmortem_body = review.body
    incident.postmortem_updated_at = now
    details: dict[str, object] = {"review": review.public_id, "review_action": action,
                                  "author": review.author.email if review.author else None}
    if action == BREAK_GLASS:
        details["reason"] = review.review_comment
    if edited is not None:
        details.update(original=original, edited=edited)
    if revision:
        # A change to the published postmortem: the page shows the new text, nobody is told.
        incident.updated_at = now
        audit.record(reviewer, "postmortem.revise", "incident", incident.public_id, **details)
        touch_page()
    else:
        postmortems.publish_now(incident, review.notify, reviewer, now, **details)
    if action == BREAK_GLASS:
        audit.record(reviewer, "postmortem.break_glass", "incident", incident.public_id,
                     review=review.public_id, reason=review.review_comment)
    db.session.commit()
    return review


@use_case
def reject(review: PostmortemReview, reviewer: User, comment: str) -> PostmortemReview:
    """Refuse the submitted postmortem with a comment; the author is told, the draft stays."""
    _check_reviewer(review, reviewer, "reject", comment)
    if not comment.strip():
        raise DomainError("Say why the postmortem is rejected.", "comment")
    _decide(review, reviewer, comment, REJECTED, "rejected", utcnow())
    audit.record(reviewer, "postmortem.reject", "incident", review.incident.public_id,
                 review=review.public_id, comment=review.review_comment)
    approval_notices.tell_author_after_commit(approval_notices.POSTMORTEM, review.id)
    db.session.commit()
    return review


@use_case
def withdraw(review: PostmortemReview, actor: User) -> PostmortemReview:
    """The author takes the submission back; the draft stays in the editor."""
    _check_waiting(review)
    if review.author_id is None or review.author_id != actor.id:
        raise DomainError("Only its author can withdraw a waiting postmortem.", "review")
    _decide(review, actor, "", WITHDRAWN, WITHDRAWN, utcnow())
    audit.record(actor, "postmortem.withdraw", "incident", review.incident.public_id,
                 review=review.public_id)
    db.session.commit()
    return review


def _check_waiting(review: PostmortemReview) -> None:
    if review.state != DRAFT:
        raise DomainError("This postmortem is not waiting for approval.", "review")


def _check_reviewer(review: PostmortemReview, reviewer: User, verb: str, comment: str) -> None:
    _check_waiting(review)
    if reviewer.role not in REVIEWER_ROLES:
        raise DomainError(f"Only communicators and admins can {verb} a postmortem.", "review")
    if review.author_id is not None and review.author_id == reviewer.id:
        raise DomainError(f"You cannot {verb} your own postmortem.", "review")
    if len(comment) > MAX_COMMENT:
        raise DomainError(f"The comment is longer than {MAX_COMMENT} characters.", "comment")


def _decide(review: PostmortemReview, user: User, comment: str, state: str, action: str,
            now: datetime) -> None:
    review.state = state
    review.review_action = action
    review.reviewed_by = user
    review.reviewed_at = now
    review.review_comment = comment.strip() or None
