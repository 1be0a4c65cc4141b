"""Approvals: a public update the plan makes wait is a draft until a second user decides.

approve_update publishes it as of the approval (status and component changes applied then,
display_at = approval time), fans it out and touches the page, in one transaction; the
approver may correct the text first (recorded as "edited"). reject_update keeps it off every
public surface with the reviewer's comment, and the author is told (incidents.approval_notices).
break_glass_update lets an admin publish a draft without a second person, with a reason.
The reviewer is a communicator or admin and never the author. The author's own actions on a
waiting draft (edit, withdraw) are in statuspage.incidents.drafts.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from statuspage import audit
from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.core.transaction import use_case
from statuspage.incidents import approval_notices
from statuspage.incidents.templates import update_sms
from statuspage.incidents.updates import (
    MAX_BODY,
    apply_status,
    finish_incident,
    refresh_group_status,
)
from statuspage.models import Incident, IncidentUpdate, PostmortemReview, User, utcnow
from statuspage.models.incidents import DRAFT, PUBLISHED, REJECTED
from statuspage.outbox import publish as delivery

REVIEWER_ROLES = ("communicator", "admin")
MAX_COMMENT = 2000
# IncidentUpdate.review_action (and PostmortemReview.review_action) for each way a review ends.
APPROVED, EDITED, BREAK_GLASS = "approved", "edited", "break_glass"


def drafts(incident: Incident | None = None) -> list[IncidentUpdate]:
    """Updates awaiting approval, oldest first (all incidents, or one)."""
    query = select(IncidentUpdate).where(IncidentUpdate.state == DRAFT)
    if incident is not None:
        query = query.where(IncidentUpdate.incident_id == incident.id)
    return list(db.session.execute(
        query.order_by(IncidentUpdate.created_at, IncidentUpdate.id)).scalars().all())


def waiting_count() -> int:
    """How many drafts (updates and postmortems) wait for approval: the console's badge."""
    updates = select(func.count(IncidentUpdate.id)).where(IncidentUpdate.state == DRAFT)
    reviews = select(func.count(PostmortemReview.id)).where(PostmortemReview.state == DRAFT)
    return (db.session.scalar(updates) or 0) + (db.session.scalar(reviews) or 0)


def can_review(update: IncidentUpdate, user: User | None) -> bool:
    """Whether `user` may approve or reject `update` (the console shows the buttons then)."""
    return (update.state == DRAFT and user is not None and user.role in REVIEWER_ROLES
            and update.author_id != user.id)


def can_break_glass(user: User | None) -> bool:
    """Whether `user` may publish a waiting draft without a second person (admins only)."""
    return user is not None and user.role == "admin" and user.is_active_user


def edited_text(original: str, body: str | None) -> str | None:
    """The approver's corrected text, or None when they changed nothing.

    Browsers post CR LF line ends and editors add trailing space: neither is an edit.
    """
    if body is None:
        return None
    text = body.replace("\r\n", "\n").strip()
    if text == original.replace("\r\n", "\n").strip():
        return None
    if not text:
        raise DomainError("The text to publish is empty; reject the update instead.", "body")
    if len(text) > MAX_BODY:
        raise DomainError(f"The message is longer than {MAX_BODY} characters.", "body")
    return text


@use_case
def approve_update(update: IncidentUpdate, reviewer: User, comment: str = "",
                   body: str | None = None, sms_body: str | None = None) -> IncidentUpdate:
    """Publish a draft now: apply its status and component changes, fan out, touch the page.

    With `body` differing from the draft's text the corrected text is what is published
    (review_action "edited"), and the audit entry keeps the original and the edited text.
    `sms_body` likewise corrects the SMS text the author chose (the SMS must not keep saying
    what the approver took out of the text); "" removes it, so the SMS follows the text.
    """
    _check_reviewer(update, reviewer, "approve", comment)
    edited = edited_text(update.body, body)
    sms_edited = _edited_sms(update, sms_body)
    if sms_edited is not None:
        audit.record(reviewer, "incident.update_sms_edit", "incident", update.incident.public_id,
                     update=update.public_id, original=update.sms_body,
                     edited=sms_edited or None)
        update.sms_body = sms_edited or None
    if edited is None and sms_edited is None:
        return _publish(update, reviewer, comment, APPROVED, "incident.update_approve")
    return _publish(update, reviewer, comment, EDITED, "incident.update_approve", edited)


def _edited_sms(update: IncidentUpdate, sms_body: str | None) -> str | None:
    """The approver's corrected SMS text ("" for none), or None when unchanged or not given."""
    if sms_body is None:
        return None
    corrected = update_sms(sms_body) or ""
    return None if corrected == (update.sms_body or "") else corrected


@use_case
def break_glass_update(update: IncidentUpdate, admin: User, reason: str) -> IncidentUpdate:
    """Publish a draft without a second person (also the admin's own), giving the reason.

    The reason is the review comment, in the audit log and on the console timeline.
    """
    if update.state != DRAFT:
        raise DomainError("This update is not waiting for approval.", "update")
    if not can_break_glass(admin):
        raise DomainError("Only admins can publish without approval.", "update")
    reason = reason.strip()
    if not reason:
        raise DomainError("Give the reason for publishing without approval.", "reason")
    if len(reason) > MAX_COMMENT:
        raise DomainError(f"The reason is longer than {MAX_COMMENT} characters.", "reason")
    return _publish(update, admin, reason, BREAK_GLASS, "incident.update_break_glass")


def _publish(update: IncidentUpdate, reviewer: User, comment: str, action: str,
             audit_action: str, edited: str | None = None) -> IncidentUpdate:
    """What approving, editing-and-approving and breaking glass share: publish as of now."""
    incident = update.incident
    if incident.is_closed and update.status not in ("resolved", "completed"):
        raise DomainError("This incident is over; the update can only be rejected.", "status")
    now = utcnow()
    original = update.body
    if edited is not None:
        update.body = edited
    update.state = PUBLISHED
    update.published_at = now
    update.review_action = action
    update.display_at = now
    update.updated_at = now
    _review(update, reviewer, comment, now)
    incident.awaiting_approval = False
    apply_status(incident, update.status, now)
    # A maintenance's announcement only names its components (they change when it starts):
    # approving it must not put back the statuses they had when it was drafted.
    announcement = incident.is_maintenance and update.status == "scheduled"
    for change in update.changes:
        component = change.component
        if announcement:
            change.new_status = component.status
        # The change is as of the approval: what the component shows now is the old status.
        change.old_status = component.status
        if component.status != change.new_status:
            component.status = change.new_status
            component.updated_at = now
            if component.group is not None:
                refresh_group_status(component.group, now)
            if update.deliver_notifications:
                delivery.create_component_fanout(component, change.old_status, now)
        if component not in incident.components:
            incident.components.append(component)
    incident.updated_at = now
    if update.deliver_notifications:
        delivery.create_fanout(update)
    db.session.flush()
    details: dict[str, object] = {"update": update.public_id, "status": update.status,
                                  "review_action": action}
    if action == BREAK_GLASS:
        details["reason"] = update.review_comment
    else:
        details["comment"] = update.review_comment
    if edited is not None:
        details.update(original=original, edited=edited)
    audit.record(reviewer, audit_action, "incident", incident.public_id, **details)
    finish_incident(incident)
    return update


@use_case
def reject_update(update: IncidentUpdate, reviewer: User, comment: str) -> IncidentUpdate:
    """Refuse a draft: it stays off every public surface, with the reviewer's comment.

    The author is told by email (by the worker, after the commit) and finds the text back in
    the composer (incidents.drafts.returned_draft).
    """
    _check_reviewer(update, reviewer, "reject", comment)
    if not comment.strip():
        raise DomainError("Say why the update is rejected.", "comment")
    now = utcnow()
    update.state = REJECTED
    update.review_action = "rejected"
    update.updated_at = now
    _review(update, reviewer, comment, now)
    audit.record(reviewer, "incident.update_reject", "incident", update.incident.public_id,
                 update=update.public_id, comment=update.review_comment)
    approval_notices.tell_author_after_commit(approval_notices.UPDATE, update.id)
    db.session.commit()  # nothing public changed: no page touch
    return update


def _check_reviewer(update: IncidentUpdate, reviewer: User, verb: str, comment: str) -> None:
    if update.state != DRAFT:
        raise DomainError("This update is not waiting for approval.", "update")
    if reviewer.role not in REVIEWER_ROLES:
        raise DomainError(f"Only communicators and admins can {verb} updates.", "update")
    if update.author_id is not None and update.author_id == reviewer.id:
        raise DomainError(f"You cannot {verb} your own update.", "update")
    if len(comment) > MAX_COMMENT:
        raise DomainError(f"The comment is longer than {MAX_COMMENT} characters.", "comment")


def _review(update: IncidentUpdate, reviewer: User, comment: str, now: datetime) -> None:
    update.reviewed_by = reviewer
    update.reviewed_at = now
    update.review_comment = comment.strip() or None
