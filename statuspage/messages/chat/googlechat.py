"""Google Chat: an incoming webhook message with a short `text` and a card (cardsV2).

The card follows Google's Cards v2 reference: a header (title, subtitle) and sections of
widgets: decoratedText for the facts and the components, textParagraph for the banner, the
body and the footer (card text takes a small HTML subset: statuspage.messages.chat.styles.
GoogleChatCard escapes everything else), and a buttonList whose buttons open links. A card
shows at most 100 widgets; the components are capped well below.

Messages about one incident share `thread: {"threadKey": <incident id>}` (ChatContent.
thread_key too); the sender adds messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD to the
URL, without which Google Chat ignores the key. A message is at most 32,000 bytes: measured as
the sender serialises it (ASCII escapes), the body is shortened until it fits.
"""

from __future__ import annotations

import json
from typing import Any

from statuspage.messages.chat import parts
from statuspage.messages.chat.notice import ChatNotice
from statuspage.messages.chat.styles import STYLES
from statuspage.models.subscribers import GOOGLE_CHAT
from statuspage.notify.base import ChatContent

SIZE_LIMIT = 32_000
BODY_START = 12_000
COMPONENT_WIDGETS = 40
TEXT_LIMIT = 500
GREY, RED = "#5f6368", "#d93025"
Json = dict[str, Any]


def googlechat_message(notice: ChatNotice) -> ChatContent:
    """The webhook message for `notice`, under SIZE_LIMIT bytes."""
    budget = BODY_START
    while True:
        payload = _message(notice, budget)
        size = len(json.dumps(payload).encode())
        if size <= SIZE_LIMIT or budget <= 200:
            return ChatContent(provider=GOOGLE_CHAT, payload=payload,
                               thread_key=notice.thread_key)
        budget = min(budget - 200, budget * SIZE_LIMIT // size - 200)


def _paragraph(text: str) -> Json:
    return {"textParagraph": {"text": text}}


def _message(notice: ChatNotice, budget: int) -> Json:
    card, plain = STYLES["googlechat_card"], STYLES["googlechat_text"]
    sections: list[Json] = []
    if notice.banner:
        colour = RED if notice.internal else GREY
        sections.append({"widgets": [_paragraph(
            f'<b><font color="{colour}">{card.text(notice.banner)}</font></b>')]})
    facts = [{"decoratedText": {"topLabel": label, "text": card.text(value)}}
             for label, value in notice.facts()]
    if facts:
        sections.append({"widgets": facts})
    if notice.components:
        sections.append({"header": card.text(notice.labels.components),
                         "widgets": _component_widgets(notice)})
    if notice.body_markdown.strip():
        sections.append({"widgets": [_paragraph(parts.body(notice, card, budget))]})
    buttons = [(notice.labels.open_link, notice.link_url), *notice.subscription_links()]
    sections.append({"widgets": [{"buttonList": {"buttons": [
        {"text": label, "onClick": {"openLink": {"url": url}}} for label, url in buttons]}}]})
    if notice.labels.footer:
        sections.append({"widgets": [_paragraph(
            f'<font color="{GREY}">{card.text(notice.labels.footer)}</font>')]})
    message: Json = {
        "text": _text(notice),
        "cardsV2": [{
            "cardId": f"notice-{notice.thread_key or 'page'}",
            "card": {
                "header": {"title": plain.text(parts.clip(notice.heading, TEXT_LIMIT)),
                           "subtitle": plain.text(parts.clip(notice.context_line(),
                                                             TEXT_LIMIT))},
                "sections": sections,
            },
        }],
    }
    if notice.thread_key:
        message["thread"] = {"threadKey": notice.thread_key}
    return message


def _component_widgets(notice: ChatNotice) -> list[Json]:
    card = STYLES["googlechat_card"]
    widgets: list[Json] = [{"decoratedText": {"text": parts.component_line(change, card)}}
                           for change in notice.components[:COMPONENT_WIDGETS]]
    rest = len(notice.components) - COMPONENT_WIDGETS
    if rest > 0:
        widgets.append({"decoratedText": {"text": f"(+{rest})"}})
    return widgets


def _text(notice: ChatNotice) -> str:
    """The message's own line above the card (and its notification): "*Title*: Status"."""
    style = STYLES["googlechat_text"]
    line = style.strong(parts.clip_text(notice.heading, style, TEXT_LIMIT))
    return f"{line}: {style.text(notice.status_label)}" if notice.status_label else line
