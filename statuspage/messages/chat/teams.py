"""Microsoft Teams: an Adaptive Card in the message a Workflows (Power Automate) webhook takes.

The "When a Teams webhook request is received" trigger takes the Bot Framework message shape
Microsoft documents for incoming webhooks: {"type": "message", "attachments": [{"contentType":
"application/vnd.microsoft.card.adaptive", "contentUrl": null, "content": <AdaptiveCard>}]}.
The card is version 1.4 (what Teams renders on desktop, web and mobile); its text is the
TextBlock markdown subset (statuspage.messages.chat.styles.TeamsMarkdown), every TextBlock
wraps, and the only action is Action.OpenUrl (Action.Submit has nowhere to go from a webhook).

The whole message must stay under Teams' 28 KB: it is measured as the sender serialises it
(json.dumps with ASCII escapes, so "ø" counts six bytes), against 28,000 bytes, and the body
is shortened until it fits.
"""

from __future__ import annotations

import json
from typing import Any

from statuspage.messages.chat import parts
from statuspage.messages.chat.notice import (
    CRITICAL,
    MAINTENANCE,
    MAJOR,
    MINOR,
    RESOLVED,
    ChatNotice,
)
from statuspage.messages.chat.styles import STYLES
from statuspage.models.subscribers import TEAMS
from statuspage.notify.base import ChatContent

SIZE_LIMIT = 28_000
CARD_VERSION = "1.4"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
BODY_START = 12_000
COMPONENT_FACTS = 30
TONE_COLOR = {CRITICAL: "Attention", MAJOR: "Attention", MINOR: "Warning",
              MAINTENANCE: "Accent", RESOLVED: "Good"}
Json = dict[str, Any]


def teams_message(notice: ChatNotice) -> ChatContent:
    """The Workflows webhook message for `notice`, under SIZE_LIMIT bytes."""
    budget = BODY_START
    while True:
        payload = envelope(_card(notice, budget))
        size = payload_size(payload)
        if size <= SIZE_LIMIT or budget <= 200:
            return ChatContent(provider=TEAMS, payload=payload, thread_key=notice.thread_key)
        budget = min(budget - 200, budget * SIZE_LIMIT // size - 200)


def payload_size(payload: Json) -> int:
    """Bytes of the body as sent (JSON with ASCII escapes: the larger reading)."""
    return len(json.dumps(payload).encode())


def envelope(card: Json) -> Json:
    return {"type": "message", "attachments": [
        {"contentType": CONTENT_TYPE, "contentUrl": None, "content": card}]}


def _text(text: str, **style: Any) -> Json:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _card(notice: ChatNotice, budget: int) -> Json:
    style = STYLES["teams"]
    body: list[Json] = []
    if notice.banner:
        body.append({"type": "Container", "style": "attention" if notice.internal else "warning",
                     "items": [_text(style.text(notice.banner), weight="Bolder")]})
    body.append(_text(style.text(notice.heading), size="Large", weight="Bolder",
                      color=TONE_COLOR.get(notice.tone, "Default")))
    body.append(_text(style.text(notice.context_line()), isSubtle=True, size="Small",
                      spacing="None"))
    if notice.facts():
        body.append({"type": "FactSet", "facts": [
            {"title": style.text(label), "value": style.text(value)}
            for label, value in notice.facts()]})
    if notice.components:
        body.append(_text(style.text(notice.labels.components), weight="Bolder"))
        body.append({"type": "FactSet", "facts": _component_facts(notice)})
    if notice.body_markdown.strip():
        body.append(_text(parts.body(notice, style, budget), separator=True))
    footer = [parts.link_line(notice.subscription_links(), style),
              style.text(notice.labels.footer)]
    if any(footer):
        body.append(_text("\n\n".join(line for line in footer if line), isSubtle=True,
                          size="Small", separator=True))
    return {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": CARD_VERSION,
        "body": body,
        "actions": [{"type": "Action.OpenUrl", "title": notice.labels.open_link,
                     "url": notice.link_url}],
        "msteams": {"width": "Full"},
    }


def _component_facts(notice: ChatNotice) -> list[Json]:
    """A fact per component, "API": "Operational → Major outage"; "(+N)" past COMPONENT_FACTS."""
    style = STYLES["teams"]
    facts = []
    for name, old, new, changed in notice.components[:COMPONENT_FACTS]:
        state = f"{old} {parts.ARROW} {new}" if changed and old else new
        facts.append({"title": style.text(name), "value": style.text(state)})
    rest = len(notice.components) - COMPONENT_FACTS
    if rest > 0:
        facts.append({"title": f"(+{rest})", "value": ""})
    return facts
