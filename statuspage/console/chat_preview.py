"""The composer's chat previews: the message each chat format would carry, readable.

Each provider's payload (messages.chat.render_chat) is shown two ways: its texts in the order
the provider shows them (title, banner, facts, components, body, links), as plain text, the
markup of the format left visible; and the JSON itself, folded away. Both are escaped by the
template: a title typed as "<script>" shows as text.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from statuspage.messages.chat import ChatNotice, render_chat
from statuspage.models.subscribers import CHAT_CHANNELS, GOOGLE_CHAT
from statuspage.notify.chat import PROVIDER_NAMES

# Keys whose string values a reader sees, in every format; the rest (types, styles, URLs,
# ids, colours) is structure.
SHOWN_KEYS = frozenset({"text", "title", "subtitle", "topLabel", "bottomLabel", "name",
                        "value", "description", "content", "fallbackText", "summary"})


@dataclass(frozen=True)
class ChatPreview:
    """One format's message: the texts shown, the payload and its size."""

    provider: str
    label: str
    lines: list[str]
    payload: str
    size: int


def _texts(value: Any, key: str = "") -> Iterator[str]:
    if isinstance(value, dict):
        for name, item in value.items():
            yield from _texts(item, name)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item, key)
    elif isinstance(value, str) and key in SHOWN_KEYS and value.strip():
        yield value


def shown_lines(provider: str, payload: Any) -> list[str]:
    """The texts of a payload as its reader sees them, in order (Google Chat's HTML subset as
    its text); the message's plain-text fallback (Slack's top-level "text") comes last."""
    body = {k: v for k, v in payload.items() if k != "text"} if provider != GOOGLE_CHAT \
        else payload
    lines = [Markup(text).striptags() if provider == GOOGLE_CHAT else text
             for text in _texts(body)]
    return [line for line in lines if line]


def chat_previews(notice: ChatNotice) -> list[ChatPreview]:
    """The notice in every chat format."""
    previews = []
    for provider in CHAT_CHANNELS:
        payload = render_chat(provider, notice).payload
        text = json.dumps(payload, ensure_ascii=False, indent=2)
        previews.append(ChatPreview(provider=provider, label=PROVIDER_NAMES[provider],
                                    lines=shown_lines(provider, payload), payload=text,
                                    size=len(json.dumps(payload, ensure_ascii=False,
                                                        separators=(",", ":")).encode())))
    return previews
