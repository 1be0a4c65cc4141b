"""Markdown to plain text that keeps the shape: for email text parts, SMS and calendars.

Read from markdown-it's token stream (as a syntax tree), never from the rendered HTML: the text
keeps paragraphs (a blank line between them), list items ("- " and "1. ", nested ones
indented), headings on lines of their own, links as "text (url)" and code as it is written.
The parser is configured as statuspage.core.rendering's, so text and HTML read a body alike.

Nothing here is HTML: markdown-it decodes entities in text ("&amp;" reads "&") and raw HTML is
off, so a "<b>" in a body stays the literal text it is. Callers putting this text in HTML must
escape it (rendering.plain_text does).
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

# As rendering.markdown_html sanitises them: a link to any other scheme keeps its text only.
_SCHEMES = {"http", "https", "mailto"}
_md = (
    MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True})
    .enable("table")
    .enable("strikethrough")
)


def markdown_text(text: str | None, link_urls: bool = True) -> str:
    """The text of a markdown body, its paragraphs, lists, headings and links kept.

    `link_urls=False` keeps a link's text only (an SMS: the incident link is the one to
    follow, and every character is paid for).
    """
    return _convert(text or "", link_urls)


@lru_cache(maxsize=1024)
def _convert(text: str, link_urls: bool) -> str:
    return "\n\n".join(_Writer(link_urls).blocks(SyntaxTreeNode(_md.parse(text)))).strip()


class _Writer:
    """Walks the syntax tree: blocks become text separated by blank lines, inline runs text."""

    def __init__(self, link_urls: bool) -> None:
        self.link_urls = link_urls

    def blocks(self, node: SyntaxTreeNode) -> list[str]:
        """Each block child of `node` as text (may span lines); empty blocks left out."""
        blocks = [self.block(child) for child in node.children]
        return [b for b in blocks if b.strip()]

    def block(self, node: SyntaxTreeNode) -> str:
        kind = node.type
        if kind in ("paragraph", "heading"):
            return "".join(self.inline(child) for child in node.children).strip()
        if kind in ("bullet_list", "ordered_list"):
            return self.list_block(node)
        if kind == "blockquote":
            return "\n".join(f"> {line}".rstrip() for line in
                             "\n\n".join(self.blocks(node)).splitlines())
        if kind in ("fence", "code_block"):
            return node.content.rstrip("\n")
        if kind == "hr":
            return "---"
        if kind == "table":
            return "\n".join(" | ".join(self.block(cell) for cell in row.children)
                             for part in node.children for row in part.children)
        if kind in ("th", "td", "inline"):
            return "".join(self.inline(child) for child in node.children).strip()
        if kind == "html_block":  # pragma: no cover - raw HTML is off
            return node.content.strip()
        return "\n\n".join(self.blocks(node))

    def list_block(self, node: SyntaxTreeNode) -> str:
        start = int(node.attrs.get("start", 1) or 1)
        # A tight list (no blank lines between items) stays tight; a loose one keeps its space.
        tight = all(child.hidden for item in node.children for child in item.children
                    if child.type == "paragraph")
        items = []
        for number, item in enumerate(node.children, start):
            marker = f"{number}. " if node.type == "ordered_list" else "- "
            body = ("\n" if tight else "\n\n").join(self.blocks(item))
            lines = body.splitlines() or [""]
            indent = " " * len(marker)
            items.append("\n".join([marker + lines[0]]
                                   + [indent + line if line else "" for line in lines[1:]]))
        return ("\n" if tight else "\n\n").join(items)

    def inline(self, node: SyntaxTreeNode) -> str:
        kind = node.type
        if kind in ("text", "code_inline", "html_inline"):
            return node.content
        if kind in ("softbreak", "hardbreak"):
            return "\n"
        inner = "".join(self.inline(child) for child in node.children)
        if kind == "link":
            return self.link(inner, str(node.attrs.get("href", "")))
        return inner  # em, strong, s, image (its alt text)

    def link(self, text: str, href: str) -> str:
        if urlsplit(href).scheme.lower() not in _SCHEMES:
            return text
        shown = href.removeprefix("mailto:")
        if not text or text in (href, shown):
            return shown
        if not self.link_urls:
            return text
        return f"{text} ({href})"
