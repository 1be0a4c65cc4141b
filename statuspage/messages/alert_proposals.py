"""What the on-duty staff are told when monitoring proposes an incident: what fired, what it
suggests, and where to decide. Console users read these (in English, like the approval
notices); the link leads to the proposal's page in the console. Nothing here is public: the
proposal is not an incident until someone declares it.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from statuspage.core import segments
from statuspage.messages.approvals import page_name
from statuspage.messages.context import base_url, mail_host
from statuspage.notify.base import EmailContent, SmsContent

MAX_NOTES_IN_EMAIL = 10


@dataclass(frozen=True)
class ProposalNotice:
    """One proposed incident, as the notices describe it."""

    public_id: str
    title: str
    severity: str
    source: str
    alerts: int
    firing: int
    # "API: Partial Outage (set automatically)" for each component the alerts name.
    components: list[str]
    # "summary: Instance example1 down", one per annotation of the newest alerts.
    notes: list[str]
    link: str
    urgent: bool


def _facts(notice: ProposalNotice) -> list[tuple[str, str]]:
    facts = [("Severity proposed", notice.severity), ("From", notice.source),
             ("Alerts", f"{notice.firing} firing of {notice.alerts}")]
    if notice.components:
        facts.append(("Components", "; ".join(notice.components)))
    return facts


def proposal_email(notice: ProposalNotice) -> EmailContent:
    """The notice to each on-duty console user."""
    name = page_name()
    facts = _facts(notice)
    notes = notice.notes[:MAX_NOTES_IN_EMAIL]
    intro = (f"Monitoring proposes an incident: “{notice.title}” ({notice.severity}). Nothing "
             f"is public until someone declares it.")
    text = (
        f"{intro}\n\n" + "".join(f"{label}: {value}\n" for label, value in facts)
        + ("\nWhat the alerts say:\n" + "".join(f"- {note}\n" for note in notes) if notes
           else "")
        + f"\nDeclare an incident from it, or dismiss it: {notice.link}\n\n"
        f"You receive this because you can declare incidents on {name}."
    )
    rows = "".join(f"<tr><th scope=\"row\" align=\"left\">{escape(label)}</th>"
                   f"<td>{escape(value)}</td></tr>" for label, value in facts)
    listed = "".join(f"<li>{escape(note)}</li>" for note in notes)
    html = (
        f"<p>{escape(intro)}</p><table>{rows}</table>"
        + (f"<p>What the alerts say:</p><ul>{listed}</ul>" if listed else "")
        + f'<p><a href="{escape(notice.link)}">Declare an incident from it, or dismiss '
        f"it</a></p><p>You receive this because you can declare incidents on "
        f"{escape(name)}.</p>"
    )
    return EmailContent(
        subject=f"[{name}] Proposed incident: {notice.title} ({notice.severity})",
        html=html, text=text,
        message_id=f"<alert-proposal-{notice.public_id}@{mail_host(base_url())}>")


def proposal_sms(notice: ProposalNotice) -> SmsContent:
    """The short notice to an on-duty user's phone (SEV1 and SEV2): one segment if it can."""
    name = segments.gsm7_friendly(page_name())
    title = segments.gsm7_friendly(notice.title)
    middle = f": {notice.severity} proposed by monitoring: "
    tail = f". Decide: {notice.link}"
    enc = segments.encoding(name + title + middle + tail)
    single, _ = segments.LIMITS[enc]
    room = single - segments.length(middle + tail)
    if segments.length(name + title) > room:
        name = segments.truncate(name, max(room // 3, 8), enc)
        title = segments.truncate(title, max(room - segments.length(name), 8), enc)
    return SmsContent(body=f"{name}{middle}{title}{tail}")
