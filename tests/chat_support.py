"""Helpers for the chat format tests: notices from real incidents and events, every format
rendered and checked against the providers' rules (tests/chat_rules.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from statuspage.incidents.lifecycle import post_update
from statuspage.incidents.updates import UpdateInput
from statuspage.messages.chat import ChatNotice, chat_notice, render_chat
from statuspage.models import Component, Incident
from statuspage.models.subscribers import CHAT_CHANNELS
from tests.chat_rules import (
    discord_problems,
    googlechat_problems,
    slack_problems,
    teams_problems,
)
from tests.factories import Factory
from tests.notify.events import event_for

Json = dict[str, Any]
RULES: dict[str, Callable[[Json], list[str]]] = {
    "slack": slack_problems, "teams": teams_problems, "discord": discord_problems,
    "googlechat": googlechat_problems}
MANAGE = "https://status.example.com/subscriptions/manage/tok-1"
UNSUBSCRIBE = "https://status.example.com/subscriptions/unsubscribe/tok-1"


def outage(factory: Factory, body: str = "The **API** fails for some customers.",
           name: str = "API errors", severity: str = "SEV1") -> tuple[Incident, Component]:
    """A SEV1 incident that took the API from operational to a major outage."""
    api = factory.component("API")
    factory.component("Website")
    incident = factory.incident(name=name, severity=severity, body=body,
                                components={api: "major_outage"},
                                deliver_notifications=False)
    return incident, api


def notice_for(incident: Incident, language: str = "en", public: bool = True,
               **update: Any) -> ChatNotice:
    """The notice of the incident's latest update, or of a new one posted with `update`."""
    posted = None
    if update:
        posted = post_update(incident, UpdateInput(deliver_notifications=False, **update), None)
    event = event_for(incident, posted)
    links = {"manage_url": MANAGE, "unsubscribe_url": UNSUBSCRIBE} if public else {}
    return chat_notice(event, language, **links)


def render_all(notice: ChatNotice) -> dict[str, Json]:
    """Every provider's payload for `notice`, each checked against its documented rules."""
    payloads = {}
    for provider in CHAT_CHANNELS:
        content = render_chat(provider, notice)
        assert content.provider == provider
        assert RULES[provider](content.payload) == [], provider
        payloads[provider] = content.payload
    return payloads


def shown(payload: Json) -> str:
    """The payload as text, to look for what a reader sees in it."""
    return json.dumps(payload, ensure_ascii=False)


def headline(provider: str, payload: Json) -> str:
    """The message's title as the provider shows it."""
    if provider == "slack":
        return next(b["text"]["text"] for b in payload["blocks"] if b["type"] == "header")
    if provider == "teams":
        card = payload["attachments"][0]["content"]
        return next(e["text"] for e in card["body"] if e.get("size") == "Large")
    if provider == "discord":
        return str(payload["embeds"][0]["title"])
    return str(payload["cardsV2"][0]["card"]["header"]["title"])
