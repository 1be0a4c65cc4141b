"""The HTML update trail of a history feed item, character for character as Statuspage's.

Feed readers, Slack bridges and scrapers (kobsio/kobs, mrshu/github-statuses, GOV.UK's
StatusPageAlert) split this trail with regular expressions, so its markup is Statuspage's to
the character (Statuspage compatibility notes, section 1.9): one `<p>` per public update,
newest first, dates in `<var>` markup with English month names, a maintenance's window and a
published postmortem at the top. statuspage.public.feeds puts it in the RSS and Atom feeds.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from markupsafe import escape

from statuspage.core.rendering import markdown_html
from statuspage.models import Incident, IncidentUpdate
from statuspage.models.status import STATUS_LABELS

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_PARAGRAPH_BREAK = re.compile(r"</p>\s*<p>")
_LINE_BREAK = re.compile(r"<br>\n?")


def update_trail_html(incident: Incident, zone: ZoneInfo) -> str:
    """The HTML of a feed item (the XML writer escapes it): one `<p>` per public update,
    newest first.

    Maintenances start with a "THIS IS A SCHEDULED EVENT" paragraph giving the window. A
    window that starts and ends on the same local day names the date once
    (`May 28, 16:30 UTC &nbsp;-&nbsp; 18:30 UTC`, with `<var>` markup), as Statuspage does.
    A published postmortem heads the trail as a "Postmortem" paragraph in the same markup.
    Internal updates and postmortem drafts never appear.
    """
    parts: list[str] = []
    if incident.is_maintenance and incident.scheduled_for and incident.scheduled_until:
        parts.append(_window_paragraph(incident.scheduled_for, incident.scheduled_until, zone))
    if incident.postmortem_published_at is not None and incident.postmortem_body:
        # Newest first, so the published postmortem heads the trail, as on Statuspage.
        parts.append(
            f"<p><small>{_stamp(incident.postmortem_published_at, zone)}</small><br>"
            f"<strong>Postmortem</strong> - {feed_body_html(incident.postmortem_body)}</p>"
        )
    for update, label in reversed(labelled_updates(incident)):
        parts.append(
            f"<p><small>{_stamp(update.display_at, zone)}</small><br>"
            f"<strong>{escape(label)}</strong> - {feed_body_html(update.body)}</p>"
        )
    return "".join(parts)


def labelled_updates(incident: Incident) -> list[tuple[IncidentUpdate, str]]:
    """Public updates, oldest first, each with its label: the status's display name, or
    "Update" when the status is the same as the previous public update's."""
    chronological = sorted(incident.public_updates, key=lambda u: (u.display_at, u.id))
    labelled: list[tuple[IncidentUpdate, str]] = []
    previous: str | None = None
    for update in chronological:
        if update.status == previous:
            label = "Update"
        else:
            label = STATUS_LABELS.get(update.status, update.status.replace("_", " ").capitalize())
        labelled.append((update, label))
        previous = update.status
    return labelled


def feed_body_html(body: str) -> str:
    """An update body as sanitised HTML that fits inside one `<p>`.

    Paragraph breaks become `<br /><br />` and other paragraph wrappers go, because readers
    split the trail on `<p>…</p>`; line breaks are written `<br />` like Statuspage's.
    Lists, quotes and code blocks keep their own (block) markup.
    """
    html = str(markdown_html(body))
    html = _PARAGRAPH_BREAK.sub("<br /><br />", html)
    html = html.replace("<p>", "").replace("</p>", "")
    return _LINE_BREAK.sub("<br />", html).strip()


def _stamp(moment: datetime, zone: ZoneInfo) -> str:
    """`Oct <var data-var='date'> 8</var>, <var data-var='time'>17:39</var> CET`."""
    local = moment.astimezone(zone)
    return f"{_date_vars(local)}, {_time_var(local)} {local.tzname()}"


def _window_paragraph(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    first, last = start.astimezone(zone), end.astimezone(zone)
    if first.date() == last.date():
        until = f"{_time_var(last)} {last.tzname()}"
    else:
        until = f"{_date_vars(last)}, {_time_var(last)} {last.tzname()}"
    since = f"{_date_vars(first)}, {_time_var(first)} {first.tzname()}"
    return f"<p><strong>THIS IS A SCHEDULED EVENT {since} &nbsp;-&nbsp; {until}</strong></p>"


def _date_vars(local: datetime) -> str:
    # Month names fixed in English: strftime("%b") would follow the process locale.
    return f"{_MONTHS[local.month - 1]} <var data-var='date'>{local.day:>2}</var>"


def _time_var(local: datetime) -> str:
    return f"<var data-var='time'>{local:%H:%M}</var>"
