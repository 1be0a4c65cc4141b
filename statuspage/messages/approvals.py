"""What the approval notices say: to the approvers when something waits, to the author when it
is rejected. Console users read these (in English, like the cadence reminders); the links lead
to the console page where the draft is decided or the text is back in the composer.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from flask import current_app
from sqlalchemy import select

from statuspage.core import segments
from statuspage.core.extensions import db
from statuspage.core.rendering import markdown_html
from statuspage.messages.context import base_url, mail_host, text_of
from statuspage.models import Incident, IncidentUpdate, Page, PostmortemReview, User
from statuspage.models.status import STATUS_LABELS, ComponentStatus
from statuspage.notify.base import EmailContent, SmsContent
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


def page_name() -> str:
    return db.session.scalar(select(Page.name).order_by(Page.id).limit(1)) or "Status page"


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


def console_url(endpoint: str, public_id: str, anchor: str = "") -> str:
    """Absolute link to a console page, built without a request (the worker)."""
    path = current_app.url_map.bind("localhost").build(endpoint, {"public_id": public_id})
    return f"{base_url()}{path}{'#' + anchor if anchor else ''}"


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


def postmortem_what(review: PostmortemReview) -> str:
    """"Postmortem", or "Postmortem revision" for a change to one already published."""
    if review.incident.postmortem_published_at is not None:
        return "Postmortem revision"
    return WHAT["postmortem_published"]


def approval_email(waiting: Waiting) -> EmailContent:
    """The notice to each approver: what waits, by whom, its text, and where to decide."""
    name = page_name()
    facts = [("What", waiting.what), ("Status", waiting.status), ("Author", waiting.author)]
    if waiting.changes:
        facts.append(("Components", "; ".join(waiting.changes)))
    text = (
        f"{waiting.what} on “{waiting.title}” ({waiting.severity}) waits for your approval; "
        f"it is not public until someone approves it.\n\n"
        + "".join(f"{label}: {value}\n" for label, value in facts)
        + f"\nThe text to publish:\n\n{text_of(waiting.body) or '(no text)'}\n\n"
        f"Approve, edit or reject it: {waiting.link}\n\n"
        f"You receive this because you can approve public updates on {name}."
    )
    rows = "".join(f"<tr><th scope=\"row\" align=\"left\">{escape(label)}</th>"
                   f"<td>{escape(value)}</td></tr>" for label, value in facts)
    html = (
        f"<p>{escape(waiting.what)} on “{escape(waiting.title)}” ({escape(waiting.severity)}) "
        f"waits for your approval; it is not public until someone approves it.</p>"
        f"<table>{rows}</table><p>The text to publish:</p>"
        f"<blockquote>{markdown_html(waiting.body) or '(no text)'}</blockquote>"
        f'<p><a href="{escape(waiting.link)}">Approve, edit or reject it</a></p>'
        f"<p>You receive this because you can approve public updates on {escape(name)}.</p>"
    )
    return EmailContent(
        subject=f"[{name}] Approval needed: {waiting.title} ({waiting.severity})",
        html=html, text=text,
        message_id=f"<approval-{waiting.public_id}@{mail_host(base_url())}>")


def approval_sms(waiting: Waiting) -> SmsContent:
    """The short notice to an approver's phone: one GSM-7 segment where possible.

    The link is what the approver needs: the page and incident names are shortened first.
    """
    name = segments.gsm7_friendly(page_name())
    title = segments.gsm7_friendly(waiting.title)
    what = waiting.what.lower()
    if not what.startswith("maintenance"):
        what = f"{waiting.severity} {what}"  # "SEV1 update"; a maintenance names itself
    middle = f": {what} needs approval: "
    tail = f". Review: {waiting.link}"
    enc = segments.encoding(name + title + middle + tail)
    single, _ = segments.LIMITS[enc]
    room = single - segments.length(middle + tail)
    if segments.length(name + title) > room:
        name = segments.truncate(name, max(room // 3, 8), enc)
        title = segments.truncate(title, max(room - segments.length(name), 8), enc)
    return SmsContent(body=f"{name}{middle}{title}{tail}")


def rejection_email(what: str, title: str, reviewer: str, comment: str, link: str,
                    public_id: str, composer: str = "composer") -> EmailContent:
    """The notice to the author of a rejected draft: who, why, and where the text is back."""
    name = page_name()
    text = (
        f"Your {what.lower()} on “{title}” was rejected by {reviewer}:\n\n{comment}\n\n"
        f"It is not public. Your text is back in the {composer}: {link}\n"
    )
    html = (
        f"<p>Your {escape(what.lower())} on “{escape(title)}” was rejected by "
        f"{escape(reviewer)}:</p><blockquote>{escape(comment)}</blockquote>"
        f'<p>It is not public. <a href="{escape(link)}">Your text is back in the '
        f"{escape(composer)}</a>.</p>"
    )
    return EmailContent(
        subject=f"[{name}] Rejected: {title}", html=html, text=text,
        message_id=f"<rejected-{public_id}@{mail_host(base_url())}>")


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
