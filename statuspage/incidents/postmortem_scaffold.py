"""The postmortem's first draft: an after-incident analysis scaffold, prefilled from the record.

A blank editor after a long incident is where reviews stall. The scaffold gives the usual
sections of an after-incident analysis (summary, customer impact, timeline, root cause and
contributing factors, what went well, what to improve, follow-up actions) and fills in what
the console already knows: the affected components and times, every update that went out
(public and internal, oldest first, in the page's time zone) and the action items. The
prompts in italics are for the author to replace; nothing is saved until the author saves.

The console is English, so the scaffold is too; it is markdown, rendered like any postmortem.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from statuspage.core.rendering import plain_text
from statuspage.incidents.metrics import human_duration
from statuspage.messages.templating import status_label
from statuspage.models import ActionItem, Incident, IncidentUpdate
from statuspage.models.incidents import PUBLISHED

SENTENCE_LIMIT = 200
EMPTY = "\u2013"  # an en dash in an empty cell
# The characters that would turn plain text back into markup inside a table cell: emphasis,
# code, links, strike-through, and the pipe that ends the cell.
_MARKUP = re.compile(r"([\\`*_\[\]|~<>])")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


# The prompts the author replaces, by section (italic markdown, so they read as prompts).
PROMPTS = {
    "Summary": "_What happened, whom it affected, how long it lasted and how it ended, in two "
               "or three sentences a customer understands. The postmortem email carries this "
               "section._",
    "Customer impact": "_What customers could not do, how many were affected, and any lasting "
                       "effect (lost data, delayed orders)._",
    "Root cause and contributing factors": "_The technical cause, and the conditions that let "
                                           "it happen or made it worse (detection, tooling, "
                                           "process). Describe systems, not people._",
    "What went well": "- _What helped us detect, communicate or recover quickly?_",
    "What to improve": "- _Where did we lose time? What surprised us?_",
}


def unfilled_sections(body: str | None) -> list[str]:
    """The sections whose scaffold prompt is still in the text: worth a word before publishing
    (the Summary's prompt would otherwise be what the postmortem email says)."""
    return [title for title, prompt in PROMPTS.items() if prompt in (body or "")]


def scaffold(incident: Incident, items: Sequence[ActionItem], zone: ZoneInfo) -> str:
    """The markdown a new postmortem starts from (nothing is saved until the author saves)."""
    sections = [
        _section("Summary", PROMPTS["Summary"]),
        _section("Customer impact", _impact(incident, zone), PROMPTS["Customer impact"]),
        _section("Timeline", *_timeline(incident, zone)),
        _section("Root cause and contributing factors",
                 PROMPTS["Root cause and contributing factors"]),
        _section("What went well", PROMPTS["What went well"]),
        _section("What to improve", PROMPTS["What to improve"]),
        _section("Follow-up actions", _follow_ups(items)),
    ]
    return "\n\n".join(sections) + "\n"


def first_sentence(body: str | None, limit: int = SENTENCE_LIMIT) -> str:
    """The first sentence of a markdown body as one line of plain text, cut at a word."""
    text = " ".join(html.unescape(plain_text(body)).split())
    text = _SENTENCE_END.split(text, maxsplit=1)[0]
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(",;:") + "…"


def _section(title: str, *parts: str) -> str:
    return "\n\n".join([f"## {title}", *parts])


def _when(value: datetime, zone: ZoneInfo) -> str:
    """`2026-03-05 14:02 CET`: unambiguous in any reader's locale."""
    local = value.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def _cell(text: str) -> str:
    return _MARKUP.sub(r"\\\1", text)


def _impact(incident: Incident, zone: ZoneInfo) -> str:
    names = [c.display_name for c in incident.components if not c.is_group]
    lines = [
        f"- **Severity:** {incident.severity or 'not set'}",
        f"- **Affected components:** {_cell(', '.join(names)) if names else 'none recorded'}",
        f"- **Impact began:** {_when(incident.started_at, zone)}",
    ]
    if incident.resolved_at is not None:
        lines.append(f"- **Resolved:** {_when(incident.resolved_at, zone)} "
                     f"(after {human_duration(incident.resolved_at - incident.started_at)})")
    return "\n".join(lines)


def _timeline(incident: Incident, zone: ZoneInfo) -> list[str]:
    updates = _published_oldest_first(incident)
    if not updates:
        return ["_No updates were published._"]
    zone_name = getattr(zone, "key", str(zone))
    rows = ["| Time | Status | What we said |", "| --- | --- | --- |"]
    for update in updates:
        status = status_label(update.status)
        if update.visibility == "internal":
            status += " (internal)"
        rows.append(f"| {_when(update.display_at, zone)} | {_cell(status)} | "
                    f"{_cell(first_sentence(update.body)) or EMPTY} |")
    note = (f"Every update that went out, oldest first, in {zone_name} time. Updates marked "
            "_(internal)_ went to stakeholders only: check their wording before publishing, "
            "or remove them. Add what the updates do not show (when it was detected, "
            "escalations, the fix).")
    return [note, "\n".join(rows)]


def _published_oldest_first(incident: Incident) -> list[IncidentUpdate]:
    """Updates that went out (public and internal); drafts and rejected ones never did."""
    published = [u for u in incident.updates if u.state == PUBLISHED]
    return sorted(published, key=lambda u: (u.display_at, u.id))


def _follow_ups(items: Sequence[ActionItem]) -> str:
    if not items:
        return ("- _What we will change, each with an owner and a due date. Add them as "
                "action items below too, so they are tracked after publishing._")
    # No owners (the postmortem is public) and no state: that goes stale here, while the
    # items opted in to show publicly keep their state up to date under the postmortem.
    lines = [f"- {_cell(item.title)}"
             + (f" (due {item.due_date.isoformat()})" if isinstance(item.due_date, date) else "")
             for item in items]
    return "\n".join(lines)
