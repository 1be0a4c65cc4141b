"""Incident SMS that stay within one segment where possible and never exceed two.

Each segment is billed for every subscriber, so the text is built to a budget
(messages.sms_fit): look-alike punctuation is replaced (segments.gsm7_friendly) so a pasted
curly quote does not make the message UCS-2, whitespace is collapsed, the page name is capped
(PAGE_NAME_UNITS, whole words), the link is always kept whole, the title is shortened before
the body, every cut is at a word boundary, and a number's first message carries "Reply STOP
to unsubscribe" (`notice`; carriers require it) even when that costs a segment.

An update with an SMS text of its own (chosen in the composer, IncidentUpdate.sms_body) is
sent in those words, with the page name (unless they name it), the link and the opt-out line.
"""

from __future__ import annotations

from flask_babel import force_locale, gettext

from statuspage.core import segments
from statuspage.core.i18n import language_for
from statuspage.core.markdown_text import markdown_text
from statuspage.messages import events as messages_events
from statuspage.messages.context import EventContext, load_event, render_localised
from statuspage.messages.sms_fit import fit_sms, word_cut
from statuspage.models import FanoutEvent
from statuspage.notify.base import SmsContent
from statuspage.page.record import get_page

PAGE_NAME_UNITS = 30


def _clean(text: str) -> str:
    return " ".join(segments.gsm7_friendly(text).split())


def _cap(text: str, units: int) -> str:
    return word_cut(text, units)


def render_sms(event: FanoutEvent, language: str, notice: bool = False) -> SmsContent:
    """The text announcing the event: its update (page, title, status, body, link), or a
    postmortem published or a maintenance reminder in their own words.

    `notice`: for a number that has not yet had the opt-out wording (its first message).
    """
    ctx = load_event(event)
    if event.kind in messages_events.KINDS:
        return render_event_sms(event.kind, ctx, language, notice)
    return render_sms_for(ctx, language, notice)


def render_sms_for(ctx: EventContext, language: str, notice: bool = False) -> SmsContent:
    """The text for an incident and update in hand (the composer previews unsaved ones)."""
    language = language_for(language)
    with force_locale(language):
        return _sms(ctx, language, notice)


def _sms(ctx: EventContext, language: str, notice: bool) -> SmsContent:
    full_name = _clean(ctx.page.name)
    page_name = _cap(full_name, PAGE_NAME_UNITS)
    title = _clean(ctx.incident.name)
    # The composer's SMS text, when one was chosen, else the update's body.
    wording = _clean(ctx.update.sms_body or "")
    body = wording or _clean(markdown_text(ctx.update.body, link_urls=False))
    # Said before an SMS text of its own unless it names the page itself (a template's does).
    named = any(name.lower() in wording.lower() for name in (full_name, page_name))
    prefix = "" if named else f"{page_name}: "
    # An internal update (stakeholder groups only) says so first, in GSM-7 ("—" becomes "-").
    internal = (_clean(gettext("Internal update — not public"))
                if ctx.update.visibility == "internal" else "")
    link = ctx.incident_url

    def build(short_title: str, text: str, stop: bool) -> str:
        return render_localised("sms", "incident_update", "txt", language,
                                page_name=page_name, title=short_title, status=ctx.status_label,
                                body=text, incident_url=link, stop=stop,
                                internal=internal,
                                wording=(prefix + text).strip() if wording else "")

    return SmsContent(body=fit_sms(build, "" if wording else title, body, notice=notice,
                                   keep_body=bool(wording)))


def render_event_sms(kind: str, ctx: EventContext, language: str,
                     notice: bool = False, *, url: str = "") -> SmsContent:
    """A postmortem published or a maintenance reminder (kind in messages_events.KINDS);
    `url` replaces the public link (a stakeholder's internal view, messages.stakeholder).

    The title is the part shortened to fit (the link says the rest): "Acme: postmortem published
    for <title> <link>" and "Acme: Scheduled maintenance starts at <start> (until <end>):
    <title> <link>" stay within one GSM-7 segment for a page name and title of usual length.
    """
    language = language_for(language)
    with force_locale(language):
        page_name = _cap(_clean(ctx.page.name), PAGE_NAME_UNITS)
        title = _clean(ctx.incident.name)
        if kind == messages_events.POSTMORTEM_PUBLISHED:
            context = {"url": url or messages_events.postmortem_url(ctx)}
        elif kind == messages_events.MAINTENANCE_REMINDER:
            context = {"url": url or ctx.incident_url, **_window_parts(ctx)}
        else:
            raise ValueError(f"no own SMS wording for {kind!r}")

        def build(short_title: str, _body: str, stop: bool) -> str:
            return render_localised("sms", kind, "txt", language, page_name=page_name,
                                    title=short_title, stop=stop, **context)

        return SmsContent(body=fit_sms(build, title, "", notice=notice))


def _window_parts(ctx: EventContext) -> dict[str, str]:
    """The window's start in full and its end as short as is clear: "17:50" on the same day
    in the page's zone (the start names the zone), else in full."""
    start, end = ctx.incident.scheduled_for, ctx.incident.scheduled_until
    if start is None or end is None:  # pragma: no cover - a maintenance always has both
        return {"start": ctx.when(start), "end": ctx.when(end)}
    local_start, local_end = start.astimezone(ctx.zone), end.astimezone(ctx.zone)
    same_day = local_start.date() == local_end.date()
    return {"start": _clean(ctx.when(start)),
            "end": f"{local_end:%H:%M}" if same_day else _clean(ctx.when(end))}


def render_confirmation_sms(code: str, language: str = "en") -> SmsContent:
    """The double opt-in code, in one GSM-7 segment."""
    page_name = _cap(_clean(get_page().name), PAGE_NAME_UNITS)
    return SmsContent(body=render_localised("sms", "confirmation", "txt", language,
                                            page_name=page_name, code=code), secret=code)
