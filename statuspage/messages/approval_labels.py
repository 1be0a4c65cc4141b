"""How approvals are worded, alike in the notices and on the console: how a user is named, what
a draft announces, how a status and a severity read, and how a review ended (approved, edited,
withdrawn, break glass, rejected). In English, like everything else console users read; the
notices (statuspage.messages.approvals) and the console's approval cards build on these.
"""

from __future__ import annotations

from statuspage.models import Incident, IncidentUpdate, PostmortemReview, User
from statuspage.models.status import STATUS_LABELS, ComponentStatus
from statuspage.plan import routes as plan_routes

# What a draft announces, by the plan's event it would fan out as.
WHAT = {
    "incident_opened": "Incident opening",
    "incident_update": "Update",
    "incident_resolved": "Resolution",
    "maintenance_scheduled": "Maintenance announcement",
    "maintenance_started": "Maintenance step",
    "maintenance_completed": "Maintenance step",
    "postmortem_published": "Postmortem",
}


def user_label(user: User | None, missing: str = "the API or the CLI") -> str:
    """How a console user is named in messages and on the console: name, else email."""
    if user is None:
        return missing
    return user.name or user.email


def rejected_by(reviewer: str, comment: str) -> str:
    """"Rejected by X: <comment>." as one sentence, whatever the comment ends with."""
    comment = comment.strip()
    if not comment:
        return f"Rejected by {reviewer}."
    return f"Rejected by {reviewer}: {comment}{'' if comment[-1] in '.!?' else '.'}"


def status_label(status: str) -> str:
    if status in ComponentStatus.__members__.values():
        return ComponentStatus(status).label
    return STATUS_LABELS.get(status, status.replace("_", " ").capitalize())


def severity_of(incident: Incident) -> str:
    return "maintenance" if incident.is_maintenance else (incident.severity or "SEV4")


def what_waits(update: IncidentUpdate) -> str:
    """"Incident opening", "Update", "Resolution", "Maintenance announcement", ..."""
    return WHAT.get(plan_routes.event_kind_for(update.incident, update), "Update")


def postmortem_what(review: PostmortemReview) -> str:
    """"Postmortem", or "Postmortem revision" for a change to one already published."""
    if review.incident.postmortem_published_at is not None:
        return "Postmortem revision"
    return WHAT["postmortem_published"]


def review_note(update: IncidentUpdate) -> str:
    """How an update's review ended, for the console timeline ("" when it never waited)."""
    who = user_label(update.reviewed_by, "someone")
    if update.review_action == "break_glass":
        return (f"Published without approval (break glass) by {who}: "
                f"{update.review_comment or ''}")
    if update.review_action == "edited":
        return f"Edited and approved by {who}"
    if update.review_action == "approved":
        return f"Approved by {who}"
    if update.review_action == "withdrawn":
        return f"Withdrawn by {who} before approval"
    return ""
