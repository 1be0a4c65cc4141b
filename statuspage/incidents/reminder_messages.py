"""What a cadence reminder says to the communications lead, by email and by SMS.

Two situations read differently: an incident the public has heard about (the last public
update was N minutes ago) and one it has not heard about at all (no public update yet; the
first was due at ...), which includes an opening update stuck in approval.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from sqlalchemy import select

from statuspage.core import segments
from statuspage.core.extensions import db
from statuspage.messages.context import base_url, console_link, mail_host
from statuspage.models import Incident, Page, User
from statuspage.notify.base import EmailContent, Recipient, SmsContent

if TYPE_CHECKING:  # cadence imports this module: only the type is needed here
    from statuspage.incidents.cadence import CadenceState


def console_incident_url(incident: Incident) -> str:
    """Absolute link to the incident's console page, built without a request (the worker)."""
    return console_link("console.incident_detail", incident.public_id)


def _page_name() -> str:
    return db.session.scalar(select(Page.name).order_by(Page.id).limit(1)) or "Status page"


def _waiting(state: CadenceState) -> str:
    """The drafts waiting for approval, in words ("" when none)."""
    if not state.drafts_waiting:
        return ""
    if state.drafts_waiting == 1:
        return "One update is waiting for approval."
    return f"{state.drafts_waiting} updates are waiting for approval."


def reminder_sms(incident: Incident, lead: User,
                 state: CadenceState) -> tuple[SmsContent, Recipient] | None:
    """The short reminder text to the lead's phone; None when the lead has no phone.

    Kept to one GSM-7 segment where possible: look-alike punctuation is replaced, and a long
    page or incident name is shortened rather than the link, which is what the lead needs.
    """
    if not lead.phone:
        return None
    link = console_incident_url(incident)
    page_name = segments.gsm7_friendly(_page_name())
    name = segments.gsm7_friendly(incident.name)
    if state.awaiting_first:
        waits = ", 1 waits for approval" if state.drafts_waiting == 1 else (
            f", {state.drafts_waiting} wait for approval" if state.drafts_waiting else "")
        tail = (f": no public update yet, first overdue by {state.minutes_overdue} min"
                f"{waits}. {link}")
    else:
        tail = f" update overdue by {state.minutes_overdue} min. Post one: {link}"
    enc = segments.encoding(page_name + name + tail)
    single, _ = segments.LIMITS[enc]
    room = single - segments.length(tail) - len(": ")
    if segments.length(page_name + name) > room:
        # The incident says more than the page name: give it two thirds of what is left.
        page_name = segments.truncate(page_name, max(room // 3, 8), enc)
        name = segments.truncate(name, max(room - segments.length(page_name), 8), enc)
    recipient = Recipient(delivery_id=None, subscriber_id=lead.id, address=lead.phone,
                          language="en", manage_url=link, unsubscribe_url=link)
    return SmsContent(body=f"{page_name}: {name}{tail}"), recipient


def _situation(incident: Incident, state: CadenceState) -> list[str]:
    """The reminder's explanation, one sentence per paragraph, in plain text."""
    due = state.next_due.strftime("%H:%M UTC") if state.next_due else ""
    if not state.awaiting_first:
        return [
            f"A public update on “{incident.name}” ({incident.severity}) is overdue.",
            f"The last public update was published {state.minutes_since} min ago; the "
            f"communication plan asks for one every {state.cadence_minutes} min, so the next "
            f"was due at {due}.",
        ]
    if state.first_update_minutes:
        basis = (f"the communication plan's target is a first public update within "
                 f"{state.first_update_minutes} min of declaring the incident")
    else:
        basis = (f"the communication plan asks for an update every {state.cadence_minutes} "
                 f"min from the start of the incident")
    lines = [
        f"No public update yet on “{incident.name}” ({incident.severity}); the first was due "
        f"at {due}.",
        f"The public has not been told about this incident: {basis}.",
    ]
    if state.drafts_waiting:
        lines.append(f"{_waiting(state)} Ask an approver to review it.")
    return lines


def reminder_message(incident: Incident, lead: User,
                     state: CadenceState) -> tuple[EmailContent, Recipient]:
    """The reminder email to the communications lead, and the lead as its one recipient."""
    page_name = _page_name()
    link = console_incident_url(incident)
    lines = _situation(incident, state)
    action = "Review it or post an update" if state.drafts_waiting else "Post an update"
    footer = "You receive this as the incident's communications lead."
    text = "\n\n".join([*lines, f"{action}: {link}", footer])
    html = "".join(f"<p>{escape(line)}</p>" for line in lines) + (
        f'<p><a href="{escape(link)}">{escape(action)}</a></p><p>{escape(footer)}</p>')
    stamp = int(state.now.timestamp())
    subject = ("First update due" if state.awaiting_first else "Update due")
    content = EmailContent(
        subject=f"[{page_name}] {subject}: {incident.name}",
        html=html,
        text=text,
        message_id=f"<cadence-{incident.public_id}-{stamp}@{mail_host(base_url())}>",
    )
    # A console user is no subscriber: there is nothing to manage or unsubscribe from, so
    # those links lead to the incident, where the roles are changed.
    recipient = Recipient(delivery_id=None, subscriber_id=lead.id, address=lead.email,
                          language="en", manage_url=link, unsubscribe_url=link)
    return content, recipient
