"""The card providers' rules (Microsoft Teams, Google Chat): see tests/chat_rules.py."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

Json = dict[str, Any]


def _length(text: object) -> int:
    return len(text) if isinstance(text, str) else 0


TEAMS_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
TEAMS_VERSIONS = {"1.0", "1.1", "1.2", "1.3", "1.4", "1.5"}
TEAMS_ELEMENTS = {"TextBlock", "Image", "Media", "RichTextBlock", "TextRun", "ActionSet",
                  "Container", "ColumnSet", "Column", "FactSet", "ImageSet", "Table",
                  "TableRow", "TableCell", "Input.Text", "Input.Number", "Input.Date",
                  "Input.Time", "Input.Toggle", "Input.ChoiceSet"}
TEAMS_ACTIONS = {"Action.OpenUrl", "Action.ShowCard", "Action.ToggleVisibility",
                 "Action.Execute", "Action.Submit"}
TEAMS_SIZE = 28_000


def teams_problems(payload: Json) -> list[str]:
    problems: list[str] = []
    if payload.get("type") != "message":
        problems.append('type is not "message"')
    attachments = payload.get("attachments")
    if not isinstance(attachments, list) or not attachments:
        return [*problems, "no attachments"]
    for index, attachment in enumerate(attachments):
        if attachment.get("contentType") != TEAMS_CONTENT_TYPE:
            problems.append(f"attachment {index}: contentType is not {TEAMS_CONTENT_TYPE}")
        if attachment.get("contentUrl") is not None:
            problems.append(f"attachment {index}: contentUrl is not null")
        card = attachment.get("content")
        if not isinstance(card, dict):
            problems.append(f"attachment {index}: no card content")
            continue
        problems += [f"attachment {index}: {p}" for p in _adaptive_card(card)]
    size = len(json.dumps(payload).encode())
    if size > TEAMS_SIZE:
        problems.append(f"{size} bytes (at most {TEAMS_SIZE})")
    return problems


def _adaptive_card(card: Json) -> list[str]:
    problems = []
    if card.get("type") != "AdaptiveCard":
        problems.append('card type is not "AdaptiveCard"')
    if card.get("version") not in TEAMS_VERSIONS:
        problems.append(f"card version {card.get('version')!r} not one Teams renders")
    schema = card.get("$schema")
    if schema is not None and "adaptivecards.io/schemas/adaptive-card.json" not in schema:
        problems.append(f"unexpected $schema {schema!r}")
    if not isinstance(card.get("body", []), list):
        problems.append("body is not a list")
    for element in _card_elements(card.get("body", [])):
        kind = element.get("type")
        if kind not in TEAMS_ELEMENTS:
            problems.append(f"unknown element {kind!r}")
        elif kind == "TextBlock" and not isinstance(element.get("text"), str):
            problems.append("TextBlock without text")
        elif kind == "FactSet" and not all(
                isinstance(f.get("title"), str) and isinstance(f.get("value"), str)
                for f in element.get("facts", [])):
            problems.append("FactSet fact without title and value")
    for action in _card_actions(card):
        kind = action.get("type")
        if kind not in TEAMS_ACTIONS:
            problems.append(f"unknown action {kind!r}")
        elif kind == "Action.Submit":
            problems.append("Action.Submit is not supported by incoming webhooks")
        elif kind == "Action.OpenUrl" and not _length(action.get("url")):
            problems.append("Action.OpenUrl without url")
    return problems


def _card_elements(items: list[Any]) -> Iterator[Json]:
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            yield item
            for key in ("items", "columns", "rows", "cells", "inlines"):
                yield from _card_elements(item.get(key, []))


def _card_actions(card: Json) -> Iterator[Json]:
    yield from card.get("actions", [])
    for element in _card_elements(card.get("body", [])):
        if element.get("type") == "ActionSet":
            yield from element.get("actions", [])
        if isinstance(element.get("selectAction"), dict):
            yield element["selectAction"]


GOOGLE_WIDGETS = {"textParagraph", "image", "decoratedText", "buttonList", "textInput",
                  "selectionInput", "dateTimePicker", "divider", "grid", "columns",
                  "chipList", "carousel"}
GOOGLE_CARD_TAGS = {"b", "i", "u", "s", "font", "a", "br"}
GOOGLE_SIZE = 32_000
_TAG = re.compile(r"</?\s*([a-zA-Z][a-zA-Z0-9]*)")


def googlechat_problems(payload: Json) -> list[str]:
    problems: list[str] = []
    cards = payload.get("cardsV2")
    if not payload.get("text") and not cards and not payload.get("cards"):
        problems.append("neither text nor cardsV2")
    for index, item in enumerate(cards or []):
        if not isinstance(item.get("cardId"), str) or not item.get("cardId"):
            problems.append(f"card {index}: no cardId")
        card = item.get("card")
        if not isinstance(card, dict):
            problems.append(f"card {index}: no card")
            continue
        problems += [f"card {index}: {p}" for p in _google_card(card)]
    thread = payload.get("thread")
    if thread is not None and not (thread.get("threadKey") or thread.get("name")):
        problems.append("thread without threadKey or name")
    if thread is not None and _length(thread.get("threadKey")) > 4000:
        problems.append("threadKey longer than 4000")
    size = len(json.dumps(payload).encode())
    if size > GOOGLE_SIZE:
        problems.append(f"{size} bytes (at most {GOOGLE_SIZE})")
    return problems


def _google_card(card: Json) -> list[str]:
    problems = []
    header = card.get("header")
    if header is not None and not header.get("title"):
        problems.append("header without title")
    sections = card.get("sections")
    if not isinstance(sections, list) or not sections:
        return [*problems, "no sections"]
    count = 0
    for number, section in enumerate(sections):
        problems += _google_text(section.get("header"), f"section {number} header")
        widgets = section.get("widgets")
        if not isinstance(widgets, list) or not widgets:
            problems.append(f"section {number}: no widgets")
            continue
        for widget in widgets:
            count += 1
            problems += [f"section {number}: {p}" for p in _google_widget(widget)]
    if count > 100:
        problems.append(f"{count} widgets (a card shows at most 100)")
    return problems


def _google_widget(widget: Json) -> list[str]:
    kinds = [key for key in widget if key in GOOGLE_WIDGETS]
    if len(kinds) != 1:
        return [f"widget with {len(kinds)} widget kinds: {sorted(widget)}"]
    body = widget[kinds[0]]
    if kinds[0] in ("textParagraph", "decoratedText"):
        if not isinstance(body.get("text"), str) or not body["text"]:
            return [f"{kinds[0]} without text"]
        return _google_text(body["text"], kinds[0])
    if kinds[0] == "buttonList":
        problems = []
        for button in body.get("buttons") or []:
            if not button.get("text") and not button.get("icon"):
                problems.append("button without text or icon")
            click = button.get("onClick") or {}
            if not click:
                problems.append("button without onClick")
            url = (click.get("openLink") or {}).get("url")
            if "openLink" in click and not str(url).startswith(("http://", "https://")):
                problems.append(f"openLink url {url!r} is not http(s)")
        return problems
    return []


def _google_text(text: Any, where: str) -> list[str]:
    if not isinstance(text, str):
        return []
    tags = {tag.lower() for tag in _TAG.findall(text)} - GOOGLE_CARD_TAGS
    return [f"{where}: HTML tags cards do not take: {sorted(tags)}"] if tags else []
