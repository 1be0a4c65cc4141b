"""What one chat message says, before any provider's format: a `ChatNotice`.

Built from the fan-out event as the email, SMS and webhook renderers read it
(statuspage.messages.context.load_event), in the reader's language. Every word a message shows
is in the notice already (`labels`, `banner`, `heading`), so the builders (slack, teams,
discord, googlechat) translate nothing and are plain functions of it; the composer can preview
a notice of its own.

A public subscriber's notice carries their manage and unsubscribe links; a stakeholder group's
destination has none to leave (its footer says who to ask), and may be given its own `link`
instead of the public page, which does not show an internal update or one awaiting approval.
An internal update says so in its heading ("[Internal] …") and in a banner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from flask_babel import force_locale, gettext

from statuspage.core.i18n import language_for
from statuspage.messages import events as messages_events
from statuspage.messages import stakeholder as messages_stakeholder
from statuspage.messages.chat.markup import markdown_literal
from statuspage.messages.context import EventContext, base_url, format_time, load_event
from statuspage.messages.postmortem import summary_markdown
from statuspage.messages.templating import status_label
from statuspage.messages.webhook import COMPONENT_UPDATE
from statuspage.models import FanoutEvent, Incident, Subscriber
from statuspage.models.status import CLOSED_STATUSES, IMPACT_LABELS
from statuspage.page.record import get_page

# How alarming a message looks (Discord's colour, Teams' container style, Slack's emoji).
CRITICAL, MAJOR, MINOR, MAINTENANCE, RESOLVED, INFO = (
    "critical", "major", "minor", "maintenance", "resolved", "info")
_IMPACT_TONE = {"critical": CRITICAL, "major": MAJOR, "minor": MINOR,
                "maintenance": MAINTENANCE}
_COMPONENT_TONE = {"major_outage": CRITICAL, "partial_outage": MAJOR,
                   "degraded_performance": MINOR, "under_maintenance": MAINTENANCE,
                   "operational": RESOLVED}


class ComponentChange(NamedTuple):
    """A component the message names, with its status labels before and after."""

    name: str
    old_status: str
    new_status: str
    changed: bool


@dataclass(frozen=True)
class ChatLabels:
    """The fixed words of a message, in the reader's language."""

    status: str
    severity: str
    components: str
    schedule: str
    open_link: str  # the main link's text ("View incident details", "Confirm subscription")
    read_more: str  # after a body cut to the target's limit
    manage: str
    unsubscribe: str
    footer: str  # why the reader gets this ("" for none)


@dataclass(frozen=True)
class ChatNotice:
    """The neutral content of one chat message (see the module's docstring)."""

    page_name: str
    kind: str  # "Incident", "Scheduled maintenance", "Postmortem published", ...
    title: str
    heading: str  # the title as shown: "[Internal] …", "[Awaiting approval] …"
    incident_url: str
    status_label: str
    severity_label: str  # "Critical (SEV1)"; "" for none
    components: tuple[ComponentChange, ...]
    body_markdown: str
    posted_at: str
    internal: bool
    manage_url: str  # "" for a stakeholder group's destination
    unsubscribe_url: str
    thread_key: str  # the incident's public id; "" for none
    labels: ChatLabels
    banner: str = ""  # shown above all else: "Internal update — not public", ...
    tone: str = INFO
    schedule: str = ""  # a maintenance's window
    confirm_url: str = ""  # only the opt-in test message has one

    @property
    def link_url(self) -> str:
        """Where the main link goes: the confirmation, else the incident."""
        return self.confirm_url or self.incident_url

    def facts(self) -> list[tuple[str, str]]:
        """(label, value) pairs shown side by side: status, severity, maintenance window."""
        pairs = [(self.labels.status, self.status_label),
                 (self.labels.severity, self.severity_label),
                 (self.labels.schedule, self.schedule)]
        return [(label, value) for label, value in pairs if value]

    def subscription_links(self) -> list[tuple[str, str]]:
        """(label, url) of the public subscriber's own links; none for a stakeholder."""
        pairs = [(self.labels.manage, self.manage_url),
                 (self.labels.unsubscribe, self.unsubscribe_url)]
        return [(label, url) for label, url in pairs if url]

    def context_line(self) -> str:
        """"Acme · Incident · Nov 25, 2022 15:50 UTC" (plain text)."""
        return " · ".join(part for part in (self.page_name, self.kind, self.posted_at) if part)


def chat_notice(event: FanoutEvent, language: str, *, manage_url: str = "",
                unsubscribe_url: str = "", link: str = "") -> ChatNotice:
    """The notice announcing `event` in `language`.

    manage_url/unsubscribe_url: a public subscriber's own links (both "" for a stakeholder
    group's destination). link: replaces the public incident link (an internal view).
    Raises LookupError for an event naming nothing to announce.
    """
    with force_locale(language_for(language)):
        if event.kind == COMPONENT_UPDATE:
            return _component_notice(event, manage_url, unsubscribe_url, link)
        return _event_notice(event, load_event(event), manage_url, unsubscribe_url, link)


def context_notice(ctx: EventContext, language: str, *, kind: str, manage_url: str = "",
                   unsubscribe_url: str = "", link: str = "") -> ChatNotice:
    """The notice of an event that is not stored: the composer's preview of an update about
    to be posted (`ctx` holds the unsaved incident and update; `kind` is the event's kind)."""
    with force_locale(language_for(language)):
        return _event_notice(FanoutEvent(kind=kind), ctx, manage_url, unsubscribe_url, link)


def chat_confirmation_notice(subscriber: Subscriber, confirm_url: str) -> ChatNotice:
    """The double opt-in test message: the page, the confirmation link and what the channel
    would receive (its components, or all)."""
    with force_locale(language_for(subscriber.language)):
        page = get_page()
        names = [c.display_name for c in subscriber.components] or [gettext("All components")]
        title = gettext("Confirm your subscription")
        return ChatNotice(
            page_name=page.name, kind=gettext("Confirm subscription"), title=title,
            heading=gettext("[%(page)s] Confirm your subscription", page=page.name),
            incident_url=f"{base_url()}/", status_label="", severity_label="",
            components=tuple(ComponentChange(name, "", "", False) for name in names),
            body_markdown=gettext(
                "Confirm that this channel should receive status updates from %(page)s. "
                "Nothing else is posted here until it is confirmed; if no one here asked for "
                "this, ignore this message.", page=markdown_literal(page.name)),
            posted_at="", internal=False, manage_url="", unsubscribe_url="", thread_key="",
            labels=_labels(page.name, public=False, components=gettext("Components"),
                           open_link=gettext("Confirm subscription"), footer=False),
            confirm_url=confirm_url)


def _labels(page_name: str, *, public: bool, components: str, open_link: str,
            footer: bool = True) -> ChatLabels:
    if not footer:
        why = ""
    elif public:
        why = gettext("You receive this because you subscribed to %(page)s status updates.",
                      page=page_name)
    else:
        why = gettext("You receive this as a member of a %(page)s stakeholder group. To change "
                      "how you are reached, or to stop these messages, ask the page's "
                      "administrators.", page=page_name)
    return ChatLabels(
        status=gettext("Status"), severity=gettext("Severity"), components=components,
        schedule=gettext("Maintenance"), open_link=open_link,
        read_more=gettext("Read the full update"), manage=gettext("Manage your subscription"),
        unsubscribe=gettext("Unsubscribe"), footer=why)


def severity_label(incident: Incident) -> str:
    """"Critical (SEV1)", as the public incident page shows it; "" for maintenance."""
    if incident.is_maintenance or not incident.severity:
        return ""
    impact = incident.impact
    label = gettext(IMPACT_LABELS[impact]) if impact in IMPACT_LABELS else impact.capitalize()
    return f"{label} ({incident.severity})"


def _tone(incident: Incident, status: str) -> str:
    if status in CLOSED_STATUSES:
        return RESOLVED
    if incident.is_maintenance:
        return MAINTENANCE
    return _IMPACT_TONE.get(incident.impact, INFO)


def _event_notice(event: FanoutEvent, ctx: EventContext, manage_url: str,
                  unsubscribe_url: str, link: str) -> ChatNotice:
    incident, update = ctx.incident, ctx.update
    internal = update.visibility == "internal"
    awaiting = messages_stakeholder.is_draft_notice(event)
    heading = messages_stakeholder.email_subject(incident.name, awaiting)
    banner = ""
    if awaiting:
        banner = gettext("Public update awaiting approval: the public does not see this text "
                         "until it is approved.")
    if internal:
        heading = gettext("[Internal] %(subject)s", subject=heading)
        banner = gettext("Internal update — not public")
    url, body = ctx.incident_url, update.body or ""
    if event.kind == messages_events.POSTMORTEM_PUBLISHED:
        kind, open_link = gettext("Postmortem published"), gettext("Read the postmortem")
        url, body = messages_events.postmortem_url(ctx), summary_markdown(
            incident.postmortem_body)
    elif incident.is_maintenance:
        kind, open_link = gettext("Scheduled maintenance"), gettext("View maintenance details")
        if event.kind == messages_events.MAINTENANCE_REMINDER:
            banner = gettext("Scheduled maintenance starts at %(start)s.",
                             start=ctx.when(incident.scheduled_for))
    else:
        kind, open_link = gettext("Incident"), gettext("View incident details")
    public = bool(manage_url or unsubscribe_url)
    components = gettext("Components") if incident.is_maintenance else gettext(
        "Affected components")
    return ChatNotice(
        page_name=ctx.page.name, kind=kind, title=incident.name, heading=heading,
        incident_url=link or url, status_label=ctx.status_label,
        severity_label=severity_label(incident),
        components=tuple(ComponentChange(c.name, c.old_status, c.status, c.changed)
                         for c in ctx.affected_components()),
        body_markdown=body, posted_at=ctx.when(update.display_at), internal=internal,
        manage_url=manage_url, unsubscribe_url=unsubscribe_url,
        thread_key=incident.public_id,
        labels=_labels(ctx.page.name, public=public, components=components,
                       open_link=open_link),
        banner=banner, tone=_tone(incident, update.status),
        schedule=(messages_events.window_text(ctx)
                  if incident.is_maintenance and incident.scheduled_for else ""))


def _component_notice(event: FanoutEvent, manage_url: str, unsubscribe_url: str,
                      link: str) -> ChatNotice:
    """A component's status change (Statuspage's component_update), from `event.detail`."""
    detail = event.detail
    if not detail:
        raise LookupError(f"fan-out event {event.id} is not a component update")
    page = get_page()
    name = str(detail["component"]["name"])
    old, new = status_label(detail["old_status"]), status_label(detail["new_status"])
    at = format_time(datetime.fromisoformat(detail["at"]), ZoneInfo(page.time_zone))
    return ChatNotice(
        page_name=page.name, kind=gettext("Component update"), title=name, heading=name,
        incident_url=link or f"{base_url()}/", status_label=new, severity_label="",
        components=(ComponentChange(name, old, new, True),), body_markdown="",
        posted_at=at, internal=False, manage_url=manage_url, unsubscribe_url=unsubscribe_url,
        thread_key="",
        labels=_labels(page.name, public=bool(manage_url or unsubscribe_url),
                       components=gettext("Components"), open_link=gettext("Status page")),
        tone=_COMPONENT_TONE.get(detail["new_status"], INFO))
