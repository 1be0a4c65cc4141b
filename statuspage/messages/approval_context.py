"""What every approval notice needs: the draft that waits (an update or a postmortem), as the
notices describe it, and the console page where it is decided.

Built in the worker, without a request: the links are made absolute from the page's base URL.
"""

from __future__ import annotations

from dataclasses import dataclass

from statuspage.messages.approval_labels import (
    postmortem_what,
    severity_of,
    status_label,
    user_label,
    what_waits,
)
from statuspage.messages.context import console_link
from statuspage.models import IncidentUpdate, PostmortemReview

# SEV1 and SEV2 approvers are also texted: minutes count there.
URGENT_SEVERITIES = ("SEV1", "SEV2")


@dataclass(frozen=True)
class Waiting:
    """One draft waiting for approval, as the notices describe it."""

    public_id: str
    what: str
    title: str
    severity: str
    status: str
    author: str
    body: str
    changes: list[str]
    link: str
    urgent: bool


def console_url(endpoint: str, public_id: str, anchor: str = "") -> str:
    """Absolute link to a console page, built without a request (the worker)."""
    return console_link(endpoint, public_id, anchor)


def update_page(update: IncidentUpdate, anchor: str = "") -> str:
    incident = update.incident
    endpoint = ("console.maintenance_detail" if incident.is_maintenance
                else "console.incident_detail")
    return console_url(endpoint, incident.public_id, anchor)


def waiting_update(update: IncidentUpdate) -> Waiting:
    incident = update.incident
    announcement = incident.is_maintenance and update.status == "scheduled"
    changes = [
        f"{c.component.display_name}: named (changes when the window starts)" if announcement
        else f"{c.component.display_name}: {status_label(c.component.status)} -> "
             f"{status_label(c.new_status)}"
        for c in update.changes
    ]
    severity = severity_of(incident)
    return Waiting(
        public_id=update.public_id, what=what_waits(update), title=incident.name,
        severity=severity, status=status_label(update.status),
        author=user_label(update.author), body=update.body, changes=changes,
        link=update_page(update, f"draft-{update.public_id}"),
        urgent=severity in URGENT_SEVERITIES)


def waiting_postmortem(review: PostmortemReview) -> Waiting:
    incident = review.incident
    severity = severity_of(incident)
    return Waiting(
        public_id=review.public_id, what=postmortem_what(review), title=incident.name,
        severity=severity, status=status_label("postmortem"), author=user_label(review.author),
        body=review.body, changes=[],
        link=console_url("console.postmortem", incident.public_id, f"draft-{review.public_id}"),
        urgent=severity in URGENT_SEVERITIES)
