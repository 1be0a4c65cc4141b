"""Subscriber messages: what an event says by email, SMS and webhook, and the confirmations.

Renderers take the fan-out event (or the subscriber) and return the notify.base content types;
they never send. Email bodies are rendered once per event and language, with the MANAGE_URL and
UNSUBSCRIBE_URL placeholders that the email channel fills in per recipient, so one rendering
serves a whole batch of 1,000. Update bodies become HTML only through
`rendering.markdown_html` (the one sanitiser) and text only through `core.markdown_text`.

Every email about one incident threads in the reader's mail client: each has its own
Message-ID, "<incident-{id}-update-{update id}@{host}>", and all share the References root
"<incident-{id}@{host}>".
"""

from __future__ import annotations

import secrets

from flask_babel import force_locale, gettext

from statuspage.core.i18n import language_for
from statuspage.core.rendering import markdown_html
from statuspage.messages import events as messages_events
from statuspage.messages import stakeholder as messages_stakeholder
from statuspage.messages.context import (
    EventContext,
    base_url,
    load_event,
    mail_host,
    render_localised,
    text_of,
)
from statuspage.messages.sms import render_confirmation_sms, render_sms
from statuspage.messages.webhook import (
    COMPONENT_UPDATE,
    component_update_payload,
    webhook_payload,
    webhook_test_payload,
)
from statuspage.models import FanoutEvent, Subscriber
from statuspage.notify.base import (
    MANAGE_URL,
    UNSUBSCRIBE_URL,
    EmailContent,
    Recipient,
    SmsContent,
)
from statuspage.page.record import get_page

__all__ = [
    "COMPONENT_UPDATE",
    "component_update_payload",
    "email_subject",
    "render_confirmation_email",
    "render_confirmation_sms",
    "render_email",
    "render_sms",
    "render_sms_to",
    "thread_ids",
    "webhook_payload",
    "webhook_test_payload",
]


def email_subject(ctx: EventContext) -> str:
    """"[Page] Title: Status"; maintenance reads "[Page] Scheduled maintenance: Title".

    Maintenance past its announcement adds its status ("...: In progress"), so the reader
    tells the start and the end apart from the inbox.
    """
    names = {"page": ctx.page.name, "title": ctx.incident.name, "status": ctx.status_label}
    if ctx.incident.is_maintenance:
        if ctx.update.status == "scheduled":
            return gettext("[%(page)s] Scheduled maintenance: %(title)s", **names)
        return gettext("[%(page)s] Scheduled maintenance: %(title)s: %(status)s", **names)
    return gettext("[%(page)s] %(title)s: %(status)s", **names)


def thread_ids(ctx: EventContext) -> tuple[str, list[str]]:
    """(Message-ID, References) for the email about this update."""
    host = ctx.host
    incident_id = ctx.incident.public_id
    return (f"<incident-{incident_id}-update-{ctx.update.public_id}@{host}>",
            [f"<incident-{incident_id}@{host}>"])


def render_email(event: FanoutEvent, language: str, *, stakeholder: bool = False
                 ) -> EmailContent:
    """The email announcing the event's update, with per-recipient link placeholders.

    `stakeholder`: for members of a stakeholder group, whose footer names no subscription
    links (staff manage them) and who read more (statuspage.messages.stakeholder). An
    internal update's email says so in its subject and on top, and so does the groups'
    notice of a public update awaiting approval.
    """
    ctx = load_event(event)
    if event.kind in messages_events.KINDS:  # a postmortem published, a maintenance reminder
        return messages_events.render_event_email(event.kind, ctx, language,
                                                  stakeholder=stakeholder)
    return render_email_for(ctx, language, stakeholder=stakeholder,
                            awaiting_approval=messages_stakeholder.is_draft_notice(event))


def render_email_for(ctx: EventContext, language: str, *, stakeholder: bool = False,
                     awaiting_approval: bool = False) -> EmailContent:
    """The email for an incident and update in hand (the composer previews unsaved ones)."""
    language = language_for(language)
    with force_locale(language):
        return _email(ctx, language, stakeholder, awaiting_approval)


def render_sms_to(event: FanoutEvent, language: str, recipient: Recipient | None,
                  notice: bool = False) -> SmsContent:
    """The text for one recipient: a stakeholder's names their own internal view (so it is
    rendered per member); everyone else's is the same for the event and language. `notice`:
    the number's first message, which carries the opt-out line."""
    if recipient is not None and recipient.stakeholder and recipient.internal_url:
        return messages_stakeholder.render_sms(event, language, recipient.internal_url,
                                               notice)
    return render_sms(event, language, notice=notice)


def is_internal(ctx: EventContext) -> bool:
    """Whether the update is internal: only stakeholder groups ever receive it."""
    return ctx.update.visibility == "internal"


def _email(ctx: EventContext, language: str, stakeholder: bool = False,
           awaiting_approval: bool = False) -> EmailContent:
    subject = messages_stakeholder.email_subject(email_subject(ctx), awaiting_approval)
    if is_internal(ctx):
        subject = gettext("[Internal] %(subject)s", subject=subject)
    incident = ctx.incident
    window = ""
    if incident.is_maintenance and incident.scheduled_for:
        window = gettext("%(start)s - %(end)s", start=ctx.when(incident.scheduled_for),
                         end=ctx.when(incident.scheduled_until))
    context = {
        "subject": subject,
        "page_name": ctx.page.name,
        "title": incident.name,
        "status": ctx.status_label,
        "posted_at": ctx.when(ctx.update.display_at),
        "maintenance": incident.is_maintenance,
        "maintenance_window": window,
        "body_html": markdown_html(ctx.update.body),
        "body_text": text_of(ctx.update.body),
        "components": ctx.affected_components(),
        "incident_url": ctx.incident_url,
        "manage_url": MANAGE_URL,
        "unsubscribe_url": UNSUBSCRIBE_URL,
        "footer_html": markdown_html(ctx.page.email_footer) if ctx.page.email_footer else "",
        "footer_text": text_of(ctx.page.email_footer),
        "internal": is_internal(ctx),
        "stakeholder": stakeholder,
        **(messages_stakeholder.email_context(ctx, awaiting_approval) if stakeholder else {}),
    }
    message_id, references = thread_ids(ctx)
    if awaiting_approval:  # the published version may follow: it keeps the update's own id
        message_id = messages_stakeholder.notice_message_id(message_id)
    return EmailContent(
        subject=subject,
        html=render_localised("email", "incident_update", "html", language, **context),
        text=render_localised("email", "incident_update", "txt", language, **context),
        message_id=message_id,
        references=references,
    )


def render_confirmation_email(subscriber: Subscriber, confirm_url: str) -> EmailContent:
    """The double opt-in email: one link that confirms, nothing else to act on."""
    language = language_for(subscriber.language)
    with force_locale(language):
        return _confirmation_email(subscriber, confirm_url, language)


def _confirmation_email(subscriber: Subscriber, confirm_url: str, language: str) -> EmailContent:
    page = get_page()
    subject = gettext("[%(page)s] Confirm your subscription", page=page.name)
    context = {
        "subject": subject,
        "page_name": page.name,
        "confirm_url": confirm_url,
        # A follow of one incident (subscriptions.follows) says which, and that it ends.
        "incident_name": subscriber.incident.name if subscriber.incident is not None else "",
        "footer_html": markdown_html(page.email_footer) if page.email_footer else "",
        "footer_text": text_of(page.email_footer),
    }
    # A fresh Message-ID per send: a second confirmation must not be taken for a duplicate.
    message_id = (f"<subscribe-{subscriber.public_id}-{secrets.token_hex(6)}"
                  f"@{mail_host(base_url())}>")
    return EmailContent(
        subject=subject,
        html=render_localised("email", "confirmation", "html", language, **context),
        text=render_localised("email", "confirmation", "txt", language, **context),
        message_id=message_id,
        references=[],
    )
