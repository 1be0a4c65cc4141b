"""Incident SMS that stay within one segment where possible and never exceed two.

Each segment is billed for every subscriber, so the text is built to a budget:

1. Look-alike punctuation is replaced (segments.gsm7_friendly) so a pasted curly quote does not
   make the message UCS-2; whitespace in the body is collapsed to single spaces.
2. The page name and title are capped (PAGE_NAME_UNITS, TITLE_UNITS) so they cannot crowd out
   the body; the link to the incident page is always kept whole: it is where the full text is.
3. The whole message in one segment is used as is. Otherwise, when one segment still leaves
   room for at least MIN_BODY_CHARS of the body, the body is cut with "..." to fit ONE segment.
   Only when it does not (a long title, a UCS-2 text) does the message use TWO segments, with
   the body cut to fit two.
4. "Reply STOP to unsubscribe" is added only when it fits in the segments already used. Twilio
   honours STOP whether or not the text says so, and the confirmation SMS always says it.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import force_locale, gettext

from statuspage import messages_events, segments
from statuspage.i18n import language_for
from statuspage.messages_context import EventContext, load_event, render_localised, text_of
from statuspage.models import FanoutEvent
from statuspage.notify.base import SmsContent
from statuspage.pages import get_page

MAX_SEGMENTS = 2
MIN_BODY_CHARS = 40
PAGE_NAME_UNITS = 30
TITLE_UNITS = 60


def _clean(text: str) -> str:
    return " ".join(segments.gsm7_friendly(text).split())


def _cap(text: str, units: int) -> str:
    return segments.truncate(text, units, segments.encoding(text))


def _cut(body: str, chars: int) -> str:
    if chars >= len(body):
        return body
    return body[:chars].rstrip() + segments.ELLIPSIS if chars > 0 else ""


def _longest_body(build: Callable[[str], str], body: str, max_segments: int) -> int:
    """The most body characters that keep the message within `max_segments` (or -1)."""
    if segments.segment_count(build(body)) <= max_segments:
        return len(body)
    low, high = -1, len(body) - 1  # invariant: low fits (or -1), high+1 does not
    while low < high:
        mid = (low + high + 1) // 2
        if segments.segment_count(build(_cut(body, mid))) <= max_segments:
            low = mid
        else:
            high = mid - 1
    return low


def _word_cut(body: str, chars: int) -> str:
    """Cut at the last space before `chars` when that loses little (shorter always fits)."""
    if chars >= len(body):
        return body
    space = body.rfind(" ", 0, chars + 1)
    if space >= chars * 4 // 5:
        chars = space
    return _cut(body, chars)


def fit_sms(build: Callable[[str, bool], str], body: str) -> str:
    """Apply the budget above to a message `build(body, with_stop)`."""
    def plain(text: str) -> str:
        return build(text, False)

    full = plain(body)
    if segments.segment_count(full) == 1:
        chosen_body, budget = body, 1
    else:
        one = _longest_body(plain, body, 1)
        if one >= min(MIN_BODY_CHARS, len(body)):
            chosen_body, budget = _word_cut(body, one), 1
        else:
            two = _longest_body(plain, body, MAX_SEGMENTS)
            chosen_body, budget = _word_cut(body, max(two, 0)), MAX_SEGMENTS
    with_stop = build(chosen_body, True)
    if segments.segment_count(with_stop) <= budget:
        return with_stop
    return plain(chosen_body)


def render_sms(event: FanoutEvent, language: str) -> SmsContent:
    """The text announcing the event: its update (page, title, status, body, link), or a
    postmortem published or a maintenance reminder in their own words."""
    ctx = load_event(event)
    if event.kind in messages_events.KINDS:
        return render_event_sms(event.kind, ctx, language)
    return render_sms_for(ctx, language)


def render_sms_for(ctx: EventContext, language: str) -> SmsContent:
    """The text for an incident and update in hand (the composer previews unsaved ones)."""
    language = language_for(language)
    with force_locale(language):
        return _sms(ctx, language)


def _sms(ctx: EventContext, language: str) -> SmsContent:
    page_name = _cap(_clean(ctx.page.name), PAGE_NAME_UNITS)
    title = _cap(_clean(ctx.incident.name), TITLE_UNITS)
    body = _clean(text_of(ctx.update.body))
    # An internal update (stakeholder groups only) says so first, in GSM-7 ("—" becomes "-").
    internal = (_clean(gettext("Internal update — not public"))
                if ctx.update.visibility == "internal" else "")

    def build(text: str, stop: bool) -> str:
        return render_localised("sms", "incident_update", "txt", language,
                                page_name=page_name, title=title, status=ctx.status_label,
                                body=text, incident_url=ctx.incident_url, stop=stop,
                                internal=internal)

    return SmsContent(body=fit_sms(build, body))


def render_event_sms(kind: str, ctx: EventContext, language: str, *, url: str = ""
                     ) -> SmsContent:
    """A postmortem published or a maintenance reminder (kind in messages_events.KINDS);
    `url` replaces the public link (a stakeholder's internal view, messages_stakeholder).

    The title is the part cut to fit (the link says the rest): "Acme: postmortem published
    for <title> <link>" and "Acme: Scheduled maintenance starts at <start> (until <end>):
    <title> <link>" stay within one GSM-7 segment for a page name and title of usual length.
    """
    language = language_for(language)
    with force_locale(language):
        page_name = _cap(_clean(ctx.page.name), PAGE_NAME_UNITS)
        title = _cap(_clean(ctx.incident.name), TITLE_UNITS)
        if kind == messages_events.POSTMORTEM_PUBLISHED:
            context = {"url": url or messages_events.postmortem_url(ctx)}
        elif kind == messages_events.MAINTENANCE_REMINDER:
            context = {"url": url or ctx.incident_url, **_window_parts(ctx)}
        else:
            raise ValueError(f"no own SMS wording for {kind!r}")

        def build(text: str, stop: bool) -> str:
            return render_localised("sms", kind, "txt", language, page_name=page_name,
                                    title=text, stop=stop, **context)

        return SmsContent(body=fit_sms(build, title))


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
                                            page_name=page_name, code=code))
