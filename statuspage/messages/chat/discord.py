"""Discord: an Execute Webhook body with one embed, and nobody pinged.

Discord's embed limits (Messages resource, "Embed Limits"): title 256 characters, description
4096, at most 25 fields, a field's name 256 and value 1024, footer 2048, author name 256, and
all of these together at most 6000 across the message's embeds; a broken one is a 400. The
description (the body, with its links) gets what the rest leaves of the 6000.

`allowed_mentions: {"parse": []}` suppresses every mention Discord could parse, whatever the
text says; the text is escaped besides (statuspage.messages.chat.styles.DiscordMarkdown), so
"<@123>" or "@everyone" in an update reads as typed. No `content`: the embed is the message.
The colour follows the tone: red for critical, orange for major, yellow for minor, blue for
maintenance, green once resolved.
"""

from __future__ import annotations

from typing import Any

from statuspage.messages.chat import parts
from statuspage.messages.chat.markup import units
from statuspage.messages.chat.notice import (
    CRITICAL,
    INFO,
    MAINTENANCE,
    MAJOR,
    MINOR,
    RESOLVED,
    ChatNotice,
)
from statuspage.messages.chat.styles import STYLES
from statuspage.models.subscribers import DISCORD
from statuspage.notify.base import ChatContent

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
AUTHOR_LIMIT = 256
TOTAL_LIMIT = 6000
# Shorter than Discord allows (a footer may have 2048), so the rest leaves the description at
# least 2000 of the 6000: (256 + 256) x 3 facts, 256 + 1024 components, 512 footer, 256 title,
# 256 author.
FACT_LIMIT = 256
OWN_FOOTER_LIMIT = 512
TONE_COLOUR = {CRITICAL: 0xD83C3E, MAJOR: 0xE67E22, MINOR: 0xF1C40F, MAINTENANCE: 0x3498DB,
               RESOLVED: 0x2ECC71, INFO: 0x95A5A6}
Json = dict[str, Any]


def discord_message(notice: ChatNotice) -> ChatContent:
    """The webhook body for `notice`, within every embed limit."""
    style = STYLES["discord"]
    fields = [{"name": parts.clip(label, FIELD_NAME_LIMIT),
               "value": parts.clip_text(value, style, FACT_LIMIT), "inline": True}
              for label, value in notice.facts()]
    if notice.components:
        fields.append({"name": parts.clip(notice.labels.components, FIELD_NAME_LIMIT),
                       "value": parts.component_lines(notice, style, FIELD_VALUE_LIMIT),
                       "inline": False})
    embed: Json = {
        "title": parts.clip_text(notice.heading, style, TITLE_LIMIT),
        "url": notice.link_url,
        "color": TONE_COLOUR.get(notice.tone, TONE_COLOUR[INFO]),
        "author": {"name": parts.clip(notice.page_name, AUTHOR_LIMIT)},
        "fields": fields,
        "footer": {"text": parts.clip(" — ".join(
            line for line in (notice.context_line(), notice.labels.footer) if line),
            OWN_FOOTER_LIMIT)},
    }
    room = min(DESCRIPTION_LIMIT, TOTAL_LIMIT - embed_text_units(embed))
    embed["description"] = _description(notice, room)
    return ChatContent(provider=DISCORD, thread_key=notice.thread_key, payload={
        "embeds": [embed],
        "allowed_mentions": {"parse": []},
    })


def embed_text_units(embed: Json) -> int:
    """What Discord counts towards the 6000: title, description, field names and values,
    footer text and author name."""
    texts = [embed.get("title", ""), embed.get("description", ""),
             embed.get("footer", {}).get("text", ""), embed.get("author", {}).get("name", "")]
    for field in embed.get("fields", []):
        texts += [field.get("name", ""), field.get("value", "")]
    return sum(units(str(text).strip()) for text in texts)


def _description(notice: ChatNotice, room: int) -> str:
    """The banner, the body (with its "Read the full update" link when cut), the main link and
    the subscription links, in `room` units."""
    style = STYLES["discord"]
    head = style.strong(style.text(notice.banner)) if notice.banner else ""
    links = [(notice.labels.open_link, notice.link_url), *notice.subscription_links()]
    tail = parts.link_line(links, style)
    fixed = "\n\n".join(part for part in (head, tail) if part)
    text = ""
    if notice.body_markdown.strip():
        text = parts.body(notice, style, max(0, room - units(fixed) - 4))
    return "\n\n".join(part for part in (head, text, tail) if part)
