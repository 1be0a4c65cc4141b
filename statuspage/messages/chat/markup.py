"""An update body (markdown) in a chat target's own markup, sanitised and within a length.

Read from markdown-it's syntax tree, configured as statuspage.core.rendering's and
core.markdown_text's (raw HTML off, tables and strikethrough on, a newline is a break), so a
body reads alike on the page, in email and in chat. What is written comes from a style
(statuspage.messages.chat.styles), which escapes every piece of text for its target:

- raw HTML is never markup: markdown-it leaves "<b>" or "<script>" as text, and the style
  escapes it;
- a link survives only to http, https or mailto (as rendering.markdown_html allows); any other
  (javascript:, data:, a chat's own slack:// or discord://) keeps its text only;
- an image keeps its alt text.

`fit` cuts a converted body to a length, at a word between whole links, and adds "…"; the
builders then link the full update. Lengths are counted in UTF-16 code units (`units`): what
Slack and Discord count, and never less than characters.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from statuspage.messages.chat.styles import STYLES, Style

ELLIPSIS = "…"
_SCHEMES = {"http", "https", "mailto"}
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")
_md = (
    MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True})
    .enable("table")
    .enable("strikethrough")
)


class Fitted(NamedTuple):
    text: str
    truncated: bool


def units(value: str) -> int:
    """The length of `value` in UTF-16 code units (an emoji counts 2)."""
    return len(value.encode("utf-16-le")) // 2


def safe_href(href: str) -> str:
    """`href` when it is an http(s) or mailto link without spaces or control characters, else
    "" (the link keeps its text only)."""
    href = href.strip()
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in href):
        return ""
    parts = urlsplit(href)
    if parts.scheme.lower() not in _SCHEMES:
        return ""
    if parts.scheme.lower() != "mailto" and not parts.netloc:
        return ""
    return href


def markdown_literal(text: str) -> str:
    """`text` (a page name) escaped to read as itself inside markdown."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)


def convert(source: str | None, style: str) -> str:
    """The markdown `source` written in `style` (a name from styles.STYLES)."""
    return _convert(source or "", style)


@lru_cache(maxsize=512)
def _convert(source: str, style: str) -> str:
    writer = _Writer(STYLES[style])
    tree = SyntaxTreeNode(_md.parse(source))
    return writer.style.finish("\n\n".join(writer.blocks(tree)).strip())


@lru_cache(maxsize=256)
def fit(source: str, style: str, limit: int) -> Fitted:
    """`source` converted, or the longest start of it that fits in `limit` units once
    converted, cut after a whole word (never inside a link) and ended with "…"."""
    full = convert(source, style)
    if units(full) <= limit:
        return Fitted(full, False)
    cuts = _cut_points(source) or list(range(1, len(source), 20))
    best, low, high = "", 0, len(cuts) - 1
    while low <= high:  # the converted length grows with the cut, near enough to bisect
        middle = (low + high) // 2
        text = convert(source[:cuts[middle]].rstrip() + " " + ELLIPSIS, style)
        if units(text) <= limit:
            best, low = text, middle + 1
        else:
            high = middle - 1
    return Fitted(best or ELLIPSIS, True)


def _cut_points(source: str) -> list[int]:
    """Where `source` may be cut: before a whitespace that ends a word, outside any
    "[text](url)" (a cut link would show its markup)."""
    points: list[int] = []
    brackets = parens = 0
    previous = ""
    for index, char in enumerate(source):
        if char == "[":
            brackets += 1
        elif char == "]" and brackets:
            brackets -= 1
        elif char == "(" and previous == "]":
            parens += 1
        elif char == ")" and parens:
            parens -= 1
        elif char.isspace() and previous and not previous.isspace() and not (
                brackets or parens):
            points.append(index)
        previous = char
    return points


class _Writer:
    """Walks the syntax tree: blocks become lines separated by blank lines."""

    def __init__(self, style: Style) -> None:
        self.style = style

    def blocks(self, node: SyntaxTreeNode) -> list[str]:
        blocks = [self.block(child) for child in node.children]
        return [b for b in blocks if b.strip()]

    def block(self, node: SyntaxTreeNode) -> str:
        kind, style = node.type, self.style
        if kind == "paragraph":
            return self.inline_of(node)
        if kind == "heading":
            return style.heading(self.inline_of(node))
        if kind in ("bullet_list", "ordered_list"):
            return self.list_block(node)
        if kind == "blockquote":
            return style.quote("\n\n".join(self.blocks(node)))
        if kind in ("fence", "code_block"):
            return style.code_block(node.content.rstrip("\n"))
        if kind == "hr":
            return "———"
        if kind == "table":
            return "\n".join(" | ".join(self.inline_of(cell) for cell in row.children)
                             for part in node.children for row in part.children)
        if kind == "inline":
            return self.inline_of(node)
        return "\n\n".join(self.blocks(node))

    def list_block(self, node: SyntaxTreeNode) -> str:
        start = int(node.attrs.get("start", 1) or 1)
        tight = all(child.hidden for item in node.children for child in item.children
                    if child.type == "paragraph")
        items = []
        for number, item in enumerate(node.children, start):
            marker = f"{number}." if node.type == "ordered_list" else "-"
            body = ("\n" if tight else "\n\n").join(self.blocks(item))
            lines = body.splitlines() or [""]
            first = self.style.item(marker, lines[0])
            indent = " " * (len(first) - len(lines[0]))
            items.append("\n".join([first] + [indent + line if line else ""
                                              for line in lines[1:]]))
        return ("\n" if tight else "\n\n").join(items)

    def inline_of(self, node: SyntaxTreeNode) -> str:
        return "".join(self.inline(child) for child in node.children).strip()

    def inline(self, node: SyntaxTreeNode) -> str:
        kind, style = node.type, self.style
        if kind in ("text", "html_inline"):
            return style.text(node.content)
        if kind == "code_inline":
            return style.code(node.content)
        if kind in ("softbreak", "hardbreak"):
            return "\n"
        if kind == "inline":
            return self.inline_of(node)
        inner = "".join(self.inline(child) for child in node.children)
        if kind == "strong":
            return style.strong(inner)
        if kind == "em":
            return style.em(inner)
        if kind == "s":
            return style.strike(inner)
        if kind == "link":
            href = safe_href(str(node.attrs.get("href", "")))
            return style.link(inner, href) if href else inner
        return inner  # an image: its alt text
