"""What the approval notices say: to the approvers when something waits, to the author when it
is rejected. Console users read these (in English, like the cadence reminders); the links lead
to the console page where the draft is decided or the text is back in the composer. The draft a
notice describes is statuspage.messages.approval_context.
"""

from __future__ import annotations

from html import escape

from sqlalchemy import select

from statuspage.core import segments
from statuspage.core.extensions import db
from statuspage.core.rendering import markdown_html
from statuspage.messages.approval_context import Waiting
from statuspage.messages.context import base_url, mail_host, text_of
from statuspage.models import Page
from statuspage.notify.base import EmailContent, SmsContent


def page_name() -> str:
    return db.session.scalar(select(Page.name).order_by(Page.id).limit(1)) or "Status page"


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
