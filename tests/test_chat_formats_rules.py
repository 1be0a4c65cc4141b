"""The providers' rules (tests/chat_rules.py) hold the providers' own examples
(tests/fixtures/chat/, sources noted there) and catch each broken rule."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.chat_support import RULES

FIXTURES = Path(__file__).parent / "fixtures" / "chat"
Json = dict[str, Any]


def _fixture(name: str) -> tuple[Json, Json]:
    """(the file: source, expect, payload; its payload)."""
    data = json.loads((FIXTURES / name).read_text())
    return data, data["payload"]


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.json")))
def test_each_example_gets_the_verdict_its_source_gives(name: str) -> None:
    data, payload = _fixture(name)
    assert data["source"].strip(), "every fixture names its source"
    problems = RULES[name.split("_")[0]](payload)
    if not data["expect"]:
        assert problems == []
    for expected in data["expect"]:
        assert any(expected in problem for problem in problems), (expected, problems)


def test_every_provider_has_a_valid_example_from_its_own_docs_or_sdk() -> None:
    notes = [_fixture(p.name)[0] | {"name": p.name} for p in FIXTURES.glob("*.json")]
    documented = {note["name"].split("_")[0] for note in notes if not note["expect"]
                  and not note["source"].startswith(("Our own", "Not "))}
    assert documented == set(RULES)


def _broken(name: str, change: Callable[[Json], object]) -> list[str]:
    payload = copy.deepcopy(_fixture(name)[1])
    change(payload)
    return RULES[name.split("_")[0]](payload)


def _set(path: list[Any], value: object) -> Callable[[Json], None]:
    def change(payload: Json) -> None:
        target: Any = payload
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return change


SLACK = "slack_webhook_blocks.json"
TEAMS = "teams_incoming_webhook.json"
DISCORD = "discord_webhook_embed.json"
GOOGLE = "googlechat_card_v2.json"
CARD = ["attachments", 0, "content"]
EMBED = ["embeds", 0]
SECTION = ["cardsV2", 0, "card", "sections", 0]


@pytest.mark.parametrize(("name", "change", "expected"), [
    (SLACK, _set(["blocks"], [{"type": "divider"}] * 51), "51 blocks"),
    (SLACK, _set(["blocks", 0, "text", "text"], "x" * 3001), "section text"),
    (SLACK, _set(["blocks", 0, "fields"], [{"type": "mrkdwn", "text": "f"}] * 11), "11 fields"),
    (SLACK, _set(["blocks", 0, "fields"], [{"type": "mrkdwn", "text": "f" * 2001}]),
     "longer than 2000"),
    (SLACK, _set(["blocks"], [{"type": "context", "elements": [
        {"type": "mrkdwn", "text": "c"}] * 11}]), "context with 11"),
    (SLACK, _set(["blocks"], [{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}]),
     "header text is not plain_text"),
    (SLACK, _set(["blocks"], [{"type": "marquee"}]), "unknown block"),
    (SLACK, lambda p: p.clear(), "neither text nor blocks"),
    (TEAMS, _set(["type"], "card"), 'type is not "message"'),
    (TEAMS, _set(["attachments", 0, "contentType"], "application/json"), "contentType"),
    (TEAMS, _set([*CARD, "version"], "2.0"), "version"),
    (TEAMS, _set([*CARD, "body", 0, "text"], "x" * 28_001), "bytes"),
    (TEAMS, _set([*CARD, "body"], [{"type": "TextBlock"}]), "TextBlock without text"),
    (TEAMS, _set([*CARD, "body"], [{"type": "Marquee"}]), "unknown element"),
    (TEAMS, _set([*CARD, "actions"], [{"type": "Action.OpenUrl"}]), "without url"),
    (DISCORD, _set([*EMBED, "title"], "t" * 257), "title longer than 256"),
    (DISCORD, _set([*EMBED, "description"], "d" * 4097), "description longer than 4096"),
    (DISCORD, _set([*EMBED, "fields"], [{"name": "n", "value": "v"}] * 26), "26 fields"),
    (DISCORD, _set([*EMBED, "fields"], [{"name": "n", "value": "v" * 1025}]), "value"),
    (DISCORD, _set([*EMBED, "fields"], [{"name": "n", "value": " "}]), "value empty"),
    (DISCORD, _set([*EMBED, "footer", "text"], "f" * 2049), "footer longer than 2048"),
    (DISCORD, _set([*EMBED, "fields"], [{"name": "n", "value": "v" * 1000}] * 6),
     "embed text totals"),
    (DISCORD, _set([*EMBED, "color"], "#ff0000"), "color"),
    (DISCORD, _set(["content"], "c" * 2001), "content longer than 2000"),
    (DISCORD, _set(["allowed_mentions"], {"parse": ["channels"]}), "unknown types"),
    (DISCORD, lambda p: [p.pop("content"), p.pop("embeds")], "no content, embeds"),
    (GOOGLE, _set(["cardsV2", 0, "cardId"], ""), "no cardId"),
    (GOOGLE, _set([*SECTION, "widgets"], []), "no widgets"),
    (GOOGLE, _set([*SECTION, "widgets"], [{"textParagraph": {"text": "a"}, "divider": {}}]),
     "2 widget kinds"),
    (GOOGLE, _set([*SECTION, "widgets"], [{"divider": {}}] * 101), "101 widgets"),
    (GOOGLE, _set([*SECTION, "widgets"], [{"textParagraph": {"text": "x" * 32_001}}]),
     "bytes"),
    (GOOGLE, _set(["thread"], {"threadKey": "k" * 4001}), "threadKey longer than 4000"),
    (GOOGLE, _set([*SECTION, "widgets"], [{"buttonList": {"buttons": [
        {"text": "Go", "onClick": {"openLink": {"url": "javascript:alert(1)"}}}]}}]),
     "not http(s)"),
    (GOOGLE, _set(["cardsV2", 0, "card", "header"], {"subtitle": "no title"}),
     "header without title"),
])
def test_each_broken_rule_is_reported(name: str, change: Callable[[Json], object],
                                      expected: str) -> None:
    problems = _broken(name, change)
    assert any(expected in problem for problem in problems), problems
