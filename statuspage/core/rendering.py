"""Markdown to sanitised HTML: the one place update bodies become HTML.

The page, the feeds and (later) the email messages all call `markdown_html`, so a `<script>`,
a `javascript:` link or an event-handler attribute never reaches a reader. markdown-it renders
with raw HTML disabled, then nh3 (Ammonia) keeps only an allow-list of tags, attributes and
URL schemes: two independent layers.

Update bodies keep only h3-h6 (a "## heading" in an update is read as text, as it always was).
A longer document placed under a heading of the page's own, the postmortem, asks for
`heading_base`: its headings move down so the page's outline stays valid (see `_shift`).
"""

from __future__ import annotations

import html
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

from statuspage.core.markdown_text import markdown_text

_TAGS = {
    "a", "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li",
    "h3", "h4", "h5", "h6", "hr", "del", "table", "thead", "tbody", "tr", "th", "td",
}
_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
_SCHEMES = {"http", "https", "mailto"}

_md = (
    MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True})
    .enable("table")
    .enable("strikethrough")
)


MAX_LEVEL = 6


@lru_cache(maxsize=4096)
def _render(text: str, heading_base: int | None = None) -> str:
    if heading_base is None:
        html = _md.render(text)
    else:
        tokens = _md.parse(text)
        _shift(tokens, heading_base)
        html = _md.renderer.render(tokens, _md.options, {})
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    ).strip()


def _shift(tokens: list[Token], base: int) -> None:
    """Renumber headings for a document placed under an h(base - 1) of the page.

    The shallowest heading the author used becomes h(base) and the others keep their
    distance from it, but never more than one level deeper than the heading before (axe's
    heading-order rule: "## Summary" then "#### Detail" would skip a level); h6 is the floor.
    """
    levels = [int(t.tag[1]) for t in tokens if t.type == "heading_open"]
    if not levels:
        return
    top, previous = min(levels), base - 1
    opened: list[str] = []
    for token in tokens:
        if token.type == "heading_open":
            level = min(int(token.tag[1]) - top + base, previous + 1, MAX_LEVEL)
            token.tag = f"h{level}"
            opened.append(token.tag)
            previous = level
        elif token.type == "heading_close":
            token.tag = opened.pop()


def markdown_html(text: str | None, heading_base: int | None = None) -> Markup:
    """Render markdown and return HTML that is safe to place in a page or feed.

    `heading_base` (3 to 6): render the text's headings from h(base) down, for a document
    shown under the page's h(base - 1) (a postmortem); None keeps h3-h6 only (update bodies).
    """
    if heading_base is not None and not 3 <= heading_base <= MAX_LEVEL:
        raise ValueError(f"heading_base must be 3 to {MAX_LEVEL}, not {heading_base}")
    return Markup(_render(text or "", heading_base))


def plain_text(text: str | None) -> str:
    """The text of a markdown body, HTML-escaped (safe in a page): paragraphs, list items,
    headings and links keep their lines (core.markdown_text; messages use it directly)."""
    return html.escape(markdown_text(text), quote=False)
