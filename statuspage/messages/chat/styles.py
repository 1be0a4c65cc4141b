"""How each chat target writes the pieces of an update body: its escaping and its markup.

statuspage.messages.chat.markup walks the markdown; a style says how a piece is written. Every
piece of text a reader typed goes through `text()` (or `code()`), which makes it inert in the
target, so an update body can format but never command:
- Slack mrkdwn: &, < and > are escaped (Slack's three control characters), so "<!channel>",
  "<@U123>" and "<https://evil|ok>" read as the literal text;
- Discord: markdown punctuation and "<" are backslash-escaped, so "<@123>", "<#1>", "<@&2>"
  and masked links are not parsed (the payload's allowed_mentions stops pings besides);
- Teams (Adaptive Card TextBlock markdown): markdown punctuation is backslash-escaped, and
  "{{" is split so text is never taken for a DATE()/TIME() function;
- Google Chat: card text is HTML-escaped (cards take a small HTML subset); message text
  splits every "<" from what follows, so "<users/all>" is no mention and no link.
"@channel", "@here", "@everyone" and "@all" get a zero-width space after the "@" everywhere
(clients and Slack's link_names read them as group mentions).

Links come here already checked (http, https or mailto only, markup.safe_href) and are
percent-encoded where the target's link syntax would end early.
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote

ZWSP = "\u200b"
# A backtick inside code would end it: a look-alike (modifier letter grave accent) stands in.
GRAVE = "\u02cb"
_GROUP_MENTION = re.compile(r"@(?=(?:channel|here|everyone|all)\b)", re.IGNORECASE)
# A URL in running text, as chat clients autolink it (Discord keeps it clickable unescaped).
_BARE_URL = re.compile(r"https?://[^\s<>\[\]()|`*~\\\"']+")
# Markdown punctuation that formats wherever it stands ("<" starts Discord's mentions, "](" a
# link); the markers of lists, headings and quotes count at the start of a line only.
_DISCORD_SPECIAL = re.compile(r"([\\*_~`|<]|\](?=\())")
_TEAMS_SPECIAL = re.compile(r"([\\*_~`]|\](?=\())")
_LINE_START = re.compile(r"^([ \t]*(?:\d+)?)([-+#>]|(?<=\d)[.)])", re.MULTILINE)
# Characters a URL keeps as they are; anything else (spaces, brackets, pipes) is encoded.
_URL_SAFE = ":/?#@!$&'*+,;=%~-._"


def defuse_mentions(value: str) -> str:
    """"@here" -> "@\u200bhere": reads the same, notifies no one."""
    return _GROUP_MENTION.sub("@" + ZWSP, value)


def _escape(value: str, special: re.Pattern[str]) -> str:
    return _LINE_START.sub(r"\1\\\2", special.sub(r"\\\1", value))


def encode_url(href: str) -> str:
    """The URL with every character a link syntax could stop at percent-encoded."""
    return quote(href, safe=_URL_SAFE)


class Style:
    """Plain text: the base every target refines."""

    name = "plain"

    def text(self, value: str) -> str:
        return defuse_mentions(value)

    def code(self, value: str) -> str:
        return self.text(value)

    def strong(self, inner: str) -> str:
        return inner

    def em(self, inner: str) -> str:
        return inner

    def strike(self, inner: str) -> str:
        return inner

    def link(self, inner: str, href: str) -> str:
        return f"{inner} ({self.text(href)})" if inner else self.text(href)

    def heading(self, inner: str) -> str:
        return self.strong(inner)

    def item(self, marker: str, body: str) -> str:
        return f"{marker} {body}"

    def quote(self, body: str) -> str:
        return "\n".join(f"> {line}".rstrip() for line in body.splitlines())

    def code_block(self, value: str) -> str:
        return "\n".join(self.code(line) for line in value.splitlines())

    def finish(self, value: str) -> str:
        return value


def slack_escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_plain(value: str) -> str:
    """Text for a plain_text object (a header), which Slack shows without decoding entities:
    "<" is split from what follows instead, so nothing in it reads as "<!channel>"."""
    return defuse_mentions(value.replace("<", "<" + ZWSP))


class SlackMrkdwn(Style):
    """Slack's mrkdwn (section text with verbatim set, context elements, `text`)."""

    name = "slack"

    def text(self, value: str) -> str:
        return defuse_mentions(slack_escape(value))

    def code(self, value: str) -> str:
        return f"`{self.text(value).replace('`', GRAVE)}`" if value.strip() else ""

    def strong(self, inner: str) -> str:
        return f"*{inner}*" if inner.strip() else inner

    def em(self, inner: str) -> str:
        return f"_{inner}_" if inner.strip() else inner

    def strike(self, inner: str) -> str:
        return f"~{inner}~" if inner.strip() else inner

    def link(self, inner: str, href: str) -> str:
        url = slack_escape(encode_url(href).replace("|", "%7C"))
        return f"<{url}|{inner}>" if inner else f"<{url}>"

    def item(self, marker: str, body: str) -> str:
        return f"{'•' if marker == '-' else marker} {body}"

    def code_block(self, value: str) -> str:
        return "```\n" + self.text(value).replace("```", GRAVE * 3) + "\n```"


class SlackPlain(Style):
    """Slack's plain_text objects (the header)."""

    name = "slack_plain"

    def text(self, value: str) -> str:
        return slack_plain(value)


class DiscordMarkdown(Style):
    """Discord's markdown, as embed descriptions and field values render it."""

    name = "discord"

    def text(self, value: str) -> str:
        parts, at = [], 0
        for found in _BARE_URL.finditer(value):
            parts.append(_escape(value[at:found.start()], _DISCORD_SPECIAL))
            parts.append(found.group())  # escaped, an autolinked URL would break
            at = found.end()
        parts.append(_escape(value[at:], _DISCORD_SPECIAL))
        return defuse_mentions("".join(parts))

    def code(self, value: str) -> str:
        return f"`{value.replace('`', GRAVE)}`" if value.strip() else ""

    def strong(self, inner: str) -> str:
        return f"**{inner}**" if inner.strip() else inner

    def em(self, inner: str) -> str:
        return f"_{inner}_" if inner.strip() else inner

    def strike(self, inner: str) -> str:
        return f"~~{inner}~~" if inner.strip() else inner

    def link(self, inner: str, href: str) -> str:
        if not href.lower().startswith(("http://", "https://")):
            return super().link(inner, href)  # masked links are for web pages only
        return f"[{inner or self.text(href)}]({encode_url(href)})"

    def code_block(self, value: str) -> str:
        return "```\n" + value.replace("```", GRAVE * 3) + "\n```"


class TeamsMarkdown(Style):
    """The markdown subset of an Adaptive Card TextBlock in Teams: bold, italic, lists, links.

    No strike, code or quotes: their text stays, unformatted."""

    name = "teams"

    def text(self, value: str) -> str:
        escaped = _escape(value, _TEAMS_SPECIAL).replace("{{", "{" + ZWSP + "{")
        return defuse_mentions(escaped)

    def strong(self, inner: str) -> str:
        return f"**{inner}**" if inner.strip() else inner

    def em(self, inner: str) -> str:
        return f"_{inner}_" if inner.strip() else inner

    def link(self, inner: str, href: str) -> str:
        return f"[{inner or self.text(href)}]({encode_url(href)})"

    def quote(self, body: str) -> str:
        return body


class GoogleChatCard(Style):
    """The HTML subset of Google Chat card text (textParagraph, decoratedText)."""

    name = "googlechat_card"

    def text(self, value: str) -> str:
        return defuse_mentions(html.escape(value, quote=True))

    def strong(self, inner: str) -> str:
        return f"<b>{inner}</b>" if inner.strip() else inner

    def em(self, inner: str) -> str:
        return f"<i>{inner}</i>" if inner.strip() else inner

    def strike(self, inner: str) -> str:
        return f"<s>{inner}</s>" if inner.strip() else inner

    def link(self, inner: str, href: str) -> str:
        url = html.escape(encode_url(href), quote=True)
        return f'<a href="{url}">{inner or self.text(href)}</a>'

    def item(self, marker: str, body: str) -> str:
        return f"{'•' if marker == '-' else marker} {body}"

    def quote(self, body: str) -> str:
        return self.em(body)

    def finish(self, value: str) -> str:
        return value.replace("\n", "<br>")


class GoogleChatText(Style):
    """Google Chat message text: *bold*, _italic_, ~strike~, `code`, <url|text> links."""

    name = "googlechat_text"

    def text(self, value: str) -> str:
        return defuse_mentions(value.replace("<", "<" + ZWSP))

    def code(self, value: str) -> str:
        return f"`{self.text(value).replace('`', GRAVE)}`" if value.strip() else ""

    def strong(self, inner: str) -> str:
        return f"*{inner}*" if inner.strip() else inner

    def em(self, inner: str) -> str:
        return f"_{inner}_" if inner.strip() else inner

    def strike(self, inner: str) -> str:
        return f"~{inner}~" if inner.strip() else inner

    def link(self, inner: str, href: str) -> str:
        url = encode_url(href).replace("|", "%7C")
        return f"<{url}|{inner}>" if inner else f"<{url}>"

    def item(self, marker: str, body: str) -> str:
        return f"{'•' if marker == '-' else marker} {body}"

    def code_block(self, value: str) -> str:
        return "```\n" + self.text(value).replace("```", GRAVE * 3) + "\n```"


STYLES: dict[str, Style] = {style.name: style for style in (
    Style(), SlackMrkdwn(), SlackPlain(), DiscordMarkdown(), TeamsMarkdown(), GoogleChatCard(),
    GoogleChatText())}
