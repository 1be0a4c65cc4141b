"""Approvals: a public update the plan makes wait is a draft until a second user decides.

approve_update publishes it as of the approval (status and component changes applied then,
display_at = approval time), fans it out and touches the page, in one transaction;
reject_update keeps it off every public surface with the reviewer's comment. The reviewer
is a communicator or admin and never the author.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from statuspage import audit, delivery
from statuspage.errors import DomainError
from statuspage.extensions import db
from statuspage.incidents import _apply_status, _finish, refresh_group_status
from statuspage.models import Incident, IncidentUpdate, User, utcnow
from statuspage.models.incidents import DRAFT, PUBLISHED, REJECTED
from statuspage.transaction import use_case

REVIEWER_ROLES = ("communicator", "admin")
MAX_COMMENT = 2000


def drafts(incident: Incident | None = None) -> list[IncidentUpdate]:
    """Updates awaiting approval, oldest first (all incidents, or one)."""
    query = select(IncidentUpdate).where(IncidentUpdate.state == DRAFT)
    if incident is not None:
        query = query.where(IncidentUpdate.incident_id == incident.id)
    return list(db.session.execute(
        query.order_by(IncidentUpdate.created_at, IncidentUpdate.id)).scalars().all())


def can_review(update: IncidentUpdate, user: User | None) -> bool:
    """Whether `user` may approve or reject `update` (the console shows the buttons then)."""
    return (update.state == DRAFT and user is not None and user.role in REVIEWER_ROLES
            and update.author_id != user.id)


@use_case
def approve_update(update: IncidentUpdate, reviewer: User, comment: str = "") -> IncidentUpdate:
    """Publish a draft now: apply its status and component changes, fan out, touch the page."""
    _check_reviewer(update, reviewer, "approve", comment)
    incident = update.incident
    if incident.is_closed and update.status not in ("resolved", "completed"):
        raise DomainError("This incident is over; the update can only be rejected.", "status")
    now = utcnow()
    update.state = PUBLISHED
    update.published_at = now
    update.review_action = "approved"
    update.display_at = now
    update.updated_at = now
    _review(update, reviewer, comment, now)
    incident.awaiting_approval = False
    _apply_status(incident, update.status, now)
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
    audit.record(reviewer, "incident.update_approve", "incident", incident.public_id,
                 update=update.public_id, status=update.status, comment=update.review_comment)
    _finish(incident)
    return update


@use_case
def reject_update(update: IncidentUpdate, reviewer: User, comment: str) -> IncidentUpdate:
    """Refuse a draft: it stays off every public surface, with the reviewer's comment."""
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
