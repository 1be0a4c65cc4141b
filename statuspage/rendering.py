"""Markdown to sanitised HTML: the one place update bodies become HTML.

The page, the feeds and (later) the email messages all call `markdown_html`, so a `<script>`,
a `javascript:` link or an event-handler attribute never reaches a reader. markdown-it renders
with raw HTML disabled, then nh3 (Ammonia) keeps only an allow-list of tags, attributes and
URL schemes: two independent layers.
"""

from __future__ import annotations

import html
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

from statuspage.markdown_text import markdown_text

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


@lru_cache(maxsize=4096)
def _render(text: str) -> str:
    html = _md.render(text)
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    ).strip()


def markdown_html(text: str | None) -> Markup:
    """Render markdown and return HTML that is safe to place in a page or feed."""
    return Markup(_render(text or ""))


def plain_text(text: str | None) -> str:
    """The text of a markdown body, HTML-escaped (safe in a page): paragraphs, list items,
    headings and links keep their lines (statuspage.markdown_text; messages use it directly)."""
    return html.escape(markdown_text(text), quote=False)
