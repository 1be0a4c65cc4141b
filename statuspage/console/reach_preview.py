"""The composer's "Preview reach": who an update would reach, and what they would receive.

Nothing is saved: the email, the SMS and the chat messages are rendered from an unsaved
incident and update built from the typed form (never added to the session), and the counts
come from statuspage.plan.reach, which the fan-out itself asks for its channels.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from statuspage.console.chat_preview import ChatPreview, chat_previews
from statuspage.core.segments import analyse
from statuspage.messages.build import render_email_for
from statuspage.messages.chat import ChatNotice, context_notice
from statuspage.messages.context import EventContext, base_url
from statuspage.messages.sms import render_sms_for
from statuspage.models import Incident, IncidentUpdate, utcnow
from statuspage.models.plan import PLAN_SEVERITIES
from statuspage.page.record import get_page
from statuspage.plan.reach import ReachLine, event_kind, reach

# The composer's "Preview reach" button submits `action=reach`.
REACH = "reach"


@dataclass(frozen=True)
class ReachPreview:
    """What the composer shows: per-channel counts and the rendered messages."""

    lines: list[ReachLine]
    email_subject: str
    email_html: str
    sms_text: str
    sms_segments: int
    sms_encoding: str
    internal: bool = False
    # A number's first SMS carries "Reply STOP to unsubscribe": its segments.
    sms_notice_segments: int = 1
    # The message in each chat format (Slack, Teams, Discord, Google Chat).
    chats: list[ChatPreview] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(line.recipients for line in self.lines)


def preview_reach(incident: Incident | None, *, status: str, body: str,
                  chosen: Mapping[int, str], visibility: str = "public",
                  deliver: bool = True, name: str = "", severity: str | None = None,
                  sms_body: str | None = None) -> ReachPreview:
    """The reach of an update about to be posted on `incident` (None: a new incident named
    `name` at `severity`), with the email and SMS its readers would get."""
    if incident is None and severity not in PLAN_SEVERITIES:
        severity = "SEV4"  # as plan.plan_severity reads an incident without one
    lines = reach(incident, status, sorted(chosen), visibility, deliver,
                  severity=None if incident is not None else severity)
    # Unsaved stand-ins: no relationship to a persistent object, so nothing reaches the session.
    shown = incident if incident is not None else Incident(
        name=name or "(untitled)", severity=severity, kind="incident", public_id="new")
    update = IncidentUpdate(status=status, body=body, display_at=utcnow(), public_id="preview",
                            visibility=visibility, sms_body=" ".join((sms_body or "").split()))
    ctx = EventContext(page=get_page(), incident=shown, update=update, base_url=base_url())
    # Shown in English, the language most subscribers read; each gets their own when sent.
    # An internal update only ever reaches stakeholder groups: show their email.
    email = render_email_for(ctx, "en", stakeholder=visibility == "internal")
    sms = render_sms_for(ctx, "en").body
    info = analyse(sms)
    kind = event_kind(incident, status, is_maintenance=shown.is_maintenance)
    return ReachPreview(lines=lines, email_subject=email.subject, email_html=email.html,
                        sms_text=sms, sms_segments=info.segments, sms_encoding=info.encoding,
                        internal=visibility == "internal",
                        sms_notice_segments=analyse(render_sms_for(ctx, "en", notice=True).body
                                                    ).segments,
                        chats=chat_previews(_chat_notice(ctx, kind, visibility == "internal")))


def _chat_notice(ctx: EventContext, kind: str, internal: bool) -> ChatNotice:
    """The chat notice as its readers get it: a public subscriber's with their own links, a
    group's (an internal update only ever reaches groups) with its link to the internal view.
    The links stand for the reader's own."""
    base = base_url()
    if internal:
        return context_notice(ctx, "en", kind=kind, link=f"{base}/internal/TOKEN")
    return context_notice(ctx, "en", kind=kind, manage_url=f"{base}/manage/TOKEN",
                          unsubscribe_url=f"{base}/unsubscribe/TOKEN")
