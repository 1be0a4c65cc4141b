"""What messages to stakeholder group members say beyond the public's: internal first.

Members hear of an incident before the public may (a public update waiting for approval is
announced to them at once, see delivery.create_group_fanout), so their messages:
- say so: "Public update awaiting approval" on a draft's notice, "Internal update" on an
  internal one;
- carry the severity (with the plan's definition in email) and the affected components with
  their states;
- link to the member's own internal incident view (statuspage.plan.internal_links) instead of the
  public page, which does not show an incident still awaiting approval. Email bodies carry
  the INTERNAL_URL placeholder that the email channel fills per recipient; an SMS is rendered
  per member with its link, so its segment budget counts the link at its real length.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import force_locale, gettext

from statuspage.core import segments
from statuspage.core.i18n import language_for
from statuspage.messages import events as messages_events
from statuspage.messages.context import (
    AffectedComponent,
    EventContext,
    load_event,
    render_localised,
    text_of,
)
from statuspage.messages.sms import PAGE_NAME_UNITS, render_event_sms
from statuspage.messages.sms_fit import fit_sms, word_cut
from statuspage.models import FanoutEvent
from statuspage.notify.base import INTERNAL_URL, SmsContent
from statuspage.plan import rules as plan

# FanoutEvent.detail of a draft's notice to the groups: {AWAITING_APPROVAL: True, ...}.
AWAITING_APPROVAL = "awaiting_approval"
# Room for "API: Major outage, Web: Degraded performance" in an SMS; more become "(+2)".
COMPONENT_UNITS = 70


def is_draft_notice(event: FanoutEvent) -> bool:
    """Whether the event tells the groups of a public update still awaiting approval."""
    return bool(event.detail and event.detail.get(AWAITING_APPROVAL))


def severity_of(ctx: EventContext) -> tuple[str, str]:
    """(severity, the plan's definition of it, "" when none): ("", "") for maintenance."""
    incident = ctx.incident
    if incident.is_maintenance or not incident.severity:
        return "", ""
    row = plan.load_plan()[plan.plan_severity(incident)]
    return incident.severity, (row.definition or "").strip()


def email_context(ctx: EventContext, awaiting_approval: bool) -> dict[str, object]:
    """The stakeholder-only values of an update email (templates/messages/email/
    incident_update.*): the notice, the severity and the internal view's placeholder."""
    severity, definition = severity_of(ctx)
    return {"awaiting_approval": awaiting_approval, "severity": severity,
            "severity_definition": definition, "internal_url": INTERNAL_URL}


def email_subject(subject: str, awaiting_approval: bool) -> str:
    if awaiting_approval:
        return gettext("[Awaiting approval] %(subject)s", subject=subject)
    return subject


def notice_message_id(message_id: str) -> str:
    """The Message-ID of a draft's notice: "<incident-…-update-…-draft@host>". A mail client
    drops a second message with the same Message-ID as a duplicate, and the groups get the
    published version of an edited update with the update's own."""
    local, _, host = message_id.partition("@")
    return f"{local}-draft@{host}"


def render_sms(event: FanoutEvent, language: str, internal_url: str,
               notice: bool = False) -> SmsContent:
    """A member's text about the event, linking to their own internal view; `notice`: the
    number's first message, which carries the opt-out line (messages.sms)."""
    ctx = load_event(event)
    if event.kind in messages_events.KINDS:  # a postmortem published, a maintenance reminder
        return render_event_sms(event.kind, ctx, language, notice, url=internal_url)
    language = language_for(language)
    with force_locale(language):
        return SmsContent(body=_update_sms(ctx, language, internal_url,
                                           is_draft_notice(event), notice))


def _clean(text: str) -> str:
    return " ".join(segments.gsm7_friendly(text).split())


def _cap(text: str, units: int) -> str:
    return word_cut(text, units)


def components_line(items: Sequence[AffectedComponent], units: int = COMPONENT_UNITS) -> str:
    """"API: Major outage, Web: Degraded performance", as many as fit, "(+N)" for the rest."""
    parts = [_clean(f"{c.name}: {c.status}") for c in items]
    for shown in range(len(parts), 0, -1):
        line = ", ".join(parts[:shown])
        if shown < len(parts):
            line += f" (+{len(parts) - shown})"
        if segments.length(line) <= units:
            return line
    return f"({len(parts)})" if parts else ""


def _update_sms(ctx: EventContext, language: str, url: str, awaiting: bool,
                notice: bool) -> str:
    if awaiting:
        label = gettext("Public update awaiting approval")
    elif ctx.update.visibility == "internal":
        label = gettext("Internal update — not public")
    else:
        label = ""
    values = {
        "notice": _clean(label),
        "page_name": _cap(_clean(ctx.page.name), PAGE_NAME_UNITS),
        "severity": severity_of(ctx)[0],
        "status": ctx.status_label,
        "components": components_line(ctx.affected_components()),
        "url": url,
    }
    body = _clean(text_of(ctx.update.sms_body or ctx.update.body))
    title = _clean(ctx.incident.name)

    def build(short_title: str, text: str, stop: bool) -> str:
        return render_localised("sms", "stakeholder_update", "txt", language,
                                title=short_title, body=text, stop=stop, **values)

    # The title is shortened (whole words) before the body is cut; the link is never cut.
    return fit_sms(build, title, body, notice=notice)
