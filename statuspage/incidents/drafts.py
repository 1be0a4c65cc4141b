"""The author's side of a waiting draft: edit it, withdraw it, and get a rejected one back.

Only the author acts here (reviewers decide in incidents.approvals). An edited draft still
waits; a withdrawn one is off every public surface for good (state and review_action
"withdrawn"). An incident whose only opening update is withdrawn (or rejected) stays not
public: the console shows it as such, and its next public update becomes the opening that
waits for approval.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select

from statuspage import audit
from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.core.transaction import use_case
from statuspage.incidents.lifecycle import INCIDENT_STATUSES, MAINTENANCE_STATUSES
from statuspage.incidents.updates import MAX_BODY, check_component_status, load_components
from statuspage.messages.approval_labels import user_label
from statuspage.models import ComponentChange, Incident, IncidentUpdate, User, utcnow
from statuspage.models.incidents import DRAFT, REJECTED, WITHDRAWN


@dataclass(frozen=True)
class DraftEdit:
    """What the author may change on a waiting draft."""

    status: str
    body: str
    # component id -> status after the update; every key is a component it names.
    component_statuses: Mapping[int, str] = field(default_factory=dict)


def _check_author(update: IncidentUpdate, actor: User, verb: str) -> None:
    if update.state != DRAFT:
        raise DomainError("This update is not waiting for approval.", "update")
    if update.author_id is None or update.author_id != actor.id:
        raise DomainError(f"Only its author can {verb} a waiting update.", "update")


@use_case
def edit_draft(update: IncidentUpdate, data: DraftEdit, actor: User) -> IncidentUpdate:
    """Change a waiting draft's text, status and component statuses; it still waits."""
    _check_author(update, actor, "edit")
    incident = update.incident
    allowed = MAINTENANCE_STATUSES if incident.is_maintenance else INCIDENT_STATUSES
    if data.status not in allowed:
        raise DomainError("Choose a status this incident can have.", "status")
    if incident.is_closed and data.status not in ("resolved", "completed"):
        raise DomainError("This incident is over; it cannot be reopened.", "status")
    body = data.body.replace("\r\n", "\n").strip()
    if len(body) > MAX_BODY:
        raise DomainError(f"The message is longer than {MAX_BODY} characters.", "body")
    components = load_components(list(data.component_statuses))
    before = {"status": update.status, "body": update.body,
              "components": {str(c.component_id): c.new_status for c in update.changes}}
    update.changes.clear()
    for component_id, new_status in data.component_statuses.items():
        component = components[component_id]
        check_component_status(component, new_status)
        update.changes.append(ComponentChange(component=component, old_status=component.status,
                                              new_status=new_status))
    update.status = data.status
    update.body = body
    update.updated_at = utcnow()
    if incident.awaiting_approval:
        # Nothing of it is public yet: the console shows the status its opening will have.
        incident.status = data.status
    audit.record(actor, "incident.update_edit_draft", "incident", incident.public_id,
                 update=update.public_id, before=before,
                 after={"status": update.status, "body": body,
                        "components": {str(k): v for k, v in data.component_statuses.items()}})
    db.session.commit()  # still a draft: nothing public changed
    return update


@use_case
def withdraw_draft(update: IncidentUpdate, actor: User) -> IncidentUpdate:
    """Take a waiting draft back: it is never published, and nobody needs to decide it."""
    _check_author(update, actor, "withdraw")
    now = utcnow()
    update.state = WITHDRAWN
    update.review_action = WITHDRAWN
    update.reviewed_by = actor
    update.reviewed_at = now
    update.updated_at = now
    audit.record(actor, "incident.update_withdraw", "incident", update.incident.public_id,
                 update=update.public_id, status=update.status)
    db.session.commit()
    return update


@dataclass(frozen=True)
class ReturnedDraft:
    """A rejected draft whose text goes back into its author's composer."""

    update: IncidentUpdate
    reviewer: str
    comment: str
    status: str
    body: str
    component_statuses: dict[int, str]

    @property
    def is_resolution(self) -> bool:
        return self.status in ("resolved", "completed")


def returned_draft(incident: Incident, user: User | None) -> ReturnedDraft | None:
    """The author's rejected draft to put back in the composer, while no later update (of
    anyone, in any state) supersedes it; None otherwise."""
    if user is None:
        return None
    latest = db.session.execute(
        select(IncidentUpdate).where(IncidentUpdate.incident_id == incident.id)
        .order_by(IncidentUpdate.created_at.desc(), IncidentUpdate.id.desc()).limit(1)
    ).scalar_one_or_none()
    if latest is None or latest.state != REJECTED or latest.author_id != user.id:
        return None
    return ReturnedDraft(
        update=latest, reviewer=user_label(latest.reviewed_by, "a reviewer"),
        comment=latest.review_comment or "", status=latest.status, body=latest.body,
        component_statuses={c.component_id: c.new_status for c in latest.changes})
