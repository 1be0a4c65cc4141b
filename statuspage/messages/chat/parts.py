"""Pieces every chat builder writes the same way, each within a length: a clipped title, the
component lines, the body with its "Read the full update" link, the subscription links."""

from __future__ import annotations

from statuspage.messages.chat.markup import ELLIPSIS, fit, units
from statuspage.messages.chat.notice import ChatNotice
from statuspage.messages.chat.styles import Style

ARROW = "→"


def clip(text: str, limit: int) -> str:
    """Plain `text` within `limit` units: cut after a word (or anywhere in a long one), "…"."""
    text = " ".join(text.split())
    if units(text) <= limit:
        return text
    cut = text[:limit]
    while cut and units(cut) > limit - 1:
        cut = cut[:-1]
    space = cut.rfind(" ")
    if space > len(cut) // 2:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def clip_text(text: str, style: Style, limit: int) -> str:
    """`text` written in `style` (escaped), clipped so the written form fits `limit`."""
    room = limit
    while True:
        written = style.text(clip(text, room))
        if units(written) <= limit or room <= 1:
            return written if units(written) <= limit else ""
        room = min(room - 1, room * limit // units(written))


def component_line(change: tuple[str, str, str, bool], style: Style) -> str:
    """"**API**: Operational → Major outage" ("**API**: Major outage" when unchanged)."""
    name, old, new, changed = change
    state = f"{style.text(old)} {ARROW} {style.text(new)}" if changed and old else (
        style.text(new))
    label = style.strong(style.text(name))
    return f"{label}: {state}" if state else label


def component_lines(notice: ChatNotice, style: Style, limit: int) -> str:
    """The notice's components as list items, as many as fit in `limit`, "(+N)" for the rest."""
    lines = [style.item("-", component_line(c, style)) for c in notice.components]
    for shown in range(len(lines), 0, -1):
        rest = len(lines) - shown
        text = "\n".join(lines[:shown] + ([f"(+{rest})"] if rest else []))
        if units(style.finish(text)) <= limit:
            return style.finish(text)
    return f"({len(lines)})" if lines else ""


def link_line(links: list[tuple[str, str]], style: Style) -> str:
    """"Manage your subscription · Unsubscribe", each a link."""
    return " · ".join(style.link(style.text(label), url) for label, url in links)


def body(notice: ChatNotice, style: Style, limit: int) -> str:
    """The update body in `style` within `limit` units; a body that had to be cut ends with
    "…" and a link to the whole update."""
    fitted = fit(notice.body_markdown, style.name, limit)
    if not fitted.truncated:
        return fitted.text
    more = style.link(style.text(notice.labels.read_more), notice.incident_url)
    gap = style.finish("\n\n")
    cut = fit(notice.body_markdown, style.name, max(0, limit - units(more) - units(gap)))
    return f"{cut.text}{gap}{more}"
