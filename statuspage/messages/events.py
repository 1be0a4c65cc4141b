"""The messages of the two events that announce no update: a postmortem published and a
maintenance reminder.

Both used to reuse the update email, which repeated the last update ("Resolved", "Scheduled")
and left the reader to guess why it arrived. Each now says what happened in its subject and
first line, and links to what the reader should open: the postmortem on the incident page, or
the maintenance page and its calendar file. Their Message-IDs are their own: a reminder that
reused the scheduling update's Message-ID could be dropped as a duplicate by the mail client;
the shared References root still threads them with the rest of the incident.
"""

from __future__ import annotations

from flask_babel import force_locale, gettext

from statuspage.core.i18n import language_for
from statuspage.core.rendering import markdown_html
from statuspage.messages.context import EventContext, render_localised, text_of
from statuspage.messages.postmortem import summary_html, summary_text
from statuspage.notify.base import INTERNAL_URL, MANAGE_URL, UNSUBSCRIBE_URL, EmailContent

POSTMORTEM_PUBLISHED = "postmortem_published"
MAINTENANCE_REMINDER = "maintenance_reminder"
# Event kinds with wording of their own (by email here, by SMS in messages.sms).
KINDS = (POSTMORTEM_PUBLISHED, MAINTENANCE_REMINDER)
# Where the incident page shows the postmortem (templates/public/incident.html).
POSTMORTEM_ANCHOR = "#postmortem"


def postmortem_url(ctx: EventContext) -> str:
    return ctx.incident_url + POSTMORTEM_ANCHOR


def calendar_url(ctx: EventContext) -> str:
    """The maintenance's "add to calendar" file (public/calendar_views.incident_ics)."""
    return f"{ctx.incident_url}.ics"


def window_text(ctx: EventContext) -> str:
    """"Nov 25, 2022 15:50 UTC - Nov 25, 2022 17:50 UTC" in the page's zone."""
    incident = ctx.incident
    return gettext("%(start)s - %(end)s", start=ctx.when(incident.scheduled_for),
                   end=ctx.when(incident.scheduled_until))


def render_event_email(kind: str, ctx: EventContext, language: str, *,
                       stakeholder: bool = False) -> EmailContent:
    """The email for a postmortem published or a maintenance reminder (kind in KINDS)."""
    if kind not in KINDS:
        raise ValueError(f"no own email wording for {kind!r}")
    language = language_for(language)
    with force_locale(language):
        names = {"page": ctx.page.name, "title": ctx.incident.name}
        if kind == POSTMORTEM_PUBLISHED:
            subject = gettext("[%(page)s] Postmortem published: %(title)s", **names)
            extra: dict[str, object] = {
                "postmortem_url": postmortem_url(ctx),
                # The summary itself, not only the link (messages/postmortem.py).
                "summary_html": summary_html(ctx.incident.postmortem_body),
                "summary_text": summary_text(ctx.incident.postmortem_body),
                "started_at": ctx.when(ctx.incident.started_at),
                "resolved_at": ctx.when(ctx.incident.resolved_at),
            }
        else:
            start = ctx.when(ctx.incident.scheduled_for)
            subject = gettext("[%(page)s] Scheduled maintenance starts at %(start)s: %(title)s",
                              start=start, **names)
            extra = {
                "starts_at": start,
                "window": window_text(ctx),
                # What the scheduling announcement said: the reader may not have kept it.
                "body_html": markdown_html(ctx.update.body),
                "body_text": text_of(ctx.update.body),
                "components": [c.name for c in ctx.affected_components()],
                "calendar_url": calendar_url(ctx),
            }
        context = {
            "subject": subject,
            "page_name": ctx.page.name,
            "title": ctx.incident.name,
            "incident_url": ctx.incident_url,
            "manage_url": MANAGE_URL,
            "unsubscribe_url": UNSUBSCRIBE_URL,
            "footer_html": markdown_html(ctx.page.email_footer) if ctx.page.email_footer else "",
            "footer_text": text_of(ctx.page.email_footer),
            "stakeholder": stakeholder,
            # A stakeholder's footer links to their internal view (filled per recipient).
            "internal_url": INTERNAL_URL if stakeholder else "",
            **extra,
        }
        host, incident_id = ctx.host, ctx.incident.public_id
        suffix = "postmortem" if kind == POSTMORTEM_PUBLISHED else "reminder"
        return EmailContent(
            subject=subject,
            html=render_localised("email", kind, "html", language, **context),
            text=render_localised("email", kind, "txt", language, **context),
            message_id=f"<incident-{incident_id}-{suffix}@{host}>",
            references=[f"<incident-{incident_id}@{host}>"],
        )
