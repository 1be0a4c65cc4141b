"""What the postmortem email says about the postmortem itself: its summary, not only a link.

A reader who gets "Postmortem published" and a button learns nothing until they click; most
never do. The email carries the postmortem's Summary section (the scaffold's first section,
incidents/postmortem_scaffold.py) or, when the author wrote none, its first paragraphs, within
SUMMARY_LIMIT characters, cut between blocks (or at a word), then links to the whole text.

The HTML goes through `rendering.markdown_html` (the one sanitiser) like every body; only then
are fixed inline styles added to its tables and headings, since mail clients drop stylesheets.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

from statuspage.core.rendering import markdown_html
from statuspage.messages.context import text_of

SUMMARY_LIMIT = 1200
# The email shows the summary under its own h2 ("Summary"): the text's headings go below it.
EMAIL_HEADINGS = 3
SUMMARY_TITLES = ("summary", "tl;dr", "tldr", "sammendrag")

# Block structure only (the same markdown flavour as rendering.py); nothing is rendered here.
_parser = MarkdownIt("commonmark").enable("table").enable("strikethrough")

_CELL = "border:1px solid #d1d5db;padding:6px 8px;text-align:left;vertical-align:top;"
_STYLES = {
    "table": ('cellpadding="6" cellspacing="0" border="1" '
              'style="border-collapse:collapse;border:1px solid #d1d5db;margin:12px 0;'
              'font-size:14px;"'),
    "th": f'style="{_CELL}background:#f3f4f6;font-weight:bold;"',
    "td": f'style="{_CELL}"',
    "h3": 'style="margin:16px 0 8px;font-size:16px;"',
    "h4": 'style="margin:14px 0 6px;font-size:15px;"',
    "h5": 'style="margin:12px 0 6px;font-size:15px;"',
    "h6": 'style="margin:12px 0 6px;font-size:15px;"',
}
# Opening tags as the sanitiser writes them: `<td>` or `<td align="left">`, never a style.
_OPENING = re.compile(r"<(table|th|td|h[3-6])(?=[\s>])")


def summary_markdown(body: str | None, limit: int = SUMMARY_LIMIT) -> str:
    """The markdown of the postmortem's summary: its Summary section, else its first
    paragraphs; whole blocks up to `limit` characters ("" for an empty postmortem)."""
    return "\n\n".join(source for source, _ in _summary(body, limit))


def summary_html(body: str | None) -> Markup:
    """The summary as sanitised HTML, styled inline for mail clients."""
    html = str(markdown_html(summary_markdown(body), heading_base=EMAIL_HEADINGS))
    return Markup(_OPENING.sub(lambda m: f"<{m.group(1)} {_STYLES[m.group(1)]}", html))


def summary_text(body: str | None) -> str:
    """The summary for the text part: paragraphs apart, a table as one line per row."""
    parts = [_table_text(source) if kind == "table_open" else text_of(source).strip()
             for source, kind in _summary(body, SUMMARY_LIMIT)]
    return "\n\n".join(part for part in parts if part)


def _summary(body: str | None, limit: int) -> list[tuple[str, str]]:
    """(markdown, block type) of each block of the summary, within `limit` characters."""
    text = body or ""
    lines = text.splitlines()
    taken: list[tuple[str, str]] = []
    size = 0
    for start, end, kind in _summary_blocks(_parser.parse(text)):
        source = "\n".join(lines[start:end]).strip()
        if not source:
            continue
        if taken and size + len(source) > limit:
            break
        if not taken and len(source) > limit:
            return [(_cut(source, limit), "paragraph_open")]
        taken.append((source, kind))
        size += len(source)
    return taken


def _table_text(source: str) -> str:
    rows: list[list[str]] = []
    cell = False
    for token in _parser.parse(source):
        if token.type == "tr_open":
            rows.append([])
        elif token.type in ("th_open", "td_open"):
            cell = True
        elif token.type == "inline" and cell and rows:
            rows[-1].append(" ".join(text_of(token.content).split()))
            cell = False
    return "\n".join(" | ".join(row) for row in rows)


def _summary_blocks(tokens: list[Token]) -> list[tuple[int, int, str]]:
    """Line ranges of the top-level blocks that make the summary."""
    top = [t for t in tokens if t.level == 0 and t.map is not None]
    for index, token in enumerate(top):
        if token.type == "heading_open" and _is_summary(tokens, token):
            section = []
            for block in top[index + 1:]:
                if block.type == "heading_open" and block.tag <= token.tag:
                    break  # the next section of the same or a higher level
                section.append(block)
            return [_span(b) for b in section]  # its sub-headings included
    # No Summary section: the first paragraphs, from the top down to the next heading after
    # them (a title heading before them is skipped).
    first: list[tuple[int, int, str]] = []
    for block in top:
        if block.type == "heading_open":
            if first:
                break
            continue
        first.append(_span(block))
    return first


def _is_summary(tokens: list[Token], heading: Token) -> bool:
    inline = tokens[tokens.index(heading) + 1]
    return inline.content.strip().strip(":").lower() in SUMMARY_TITLES


def _span(token: Token) -> tuple[int, int, str]:
    assert token.map is not None
    return token.map[0], token.map[1], token.type


def _cut(source: str, limit: int) -> str:
    head = source[:limit]
    return (head.rsplit(" ", 1)[0] if " " in head else head).rstrip(",;:") + "…"
