"""What an update body or title says can format a chat message but never command it: no
mention, no markup of its own, no link but http(s) and mailto; and a long body is cut within
each provider's limits, with a link to the whole update."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from flask import Flask

from statuspage.messages.chat import ComponentChange
from statuspage.messages.chat.markup import convert, fit, units
from tests.chat_support import headline, notice_for, outage, render_all, shown
from tests.factories import Factory

HOSTILE_NAME = "Outage <!channel> @here <@U024BE7LH>"
HOSTILE = """Heads up @here @channel @everyone <!channel> <!here|here> <!subteam^S012>
<@U024BE7LH> <#C024BE7LR> <@&123456> <@!123456> <@123456> <users/all> <t:1700000000>
<script>alert(1)</script> <b>bold</b> <a href="javascript:alert(1)">a</a>
[click](javascript:alert(1)) [data](data:text/html,hi) [app](slack://open) [fine](https://ok.example/x_(y))
![img](javascript:alert(2)) {{DATE(2024-01-01T00:00:00Z, SHORT)}} [mail](mailto:ops@example.com)"""
GROUP_MENTION = re.compile(r"(?<!\u200b)@(here|channel|everyone)\b")


def _texts(value: Any) -> list[str]:
    """Every string in a payload."""
    if isinstance(value, dict):
        return [t for item in value.values() for t in _texts(item)]
    if isinstance(value, list):
        return [t for item in value for t in _texts(item)]
    return [value] if isinstance(value, str) else []


def _links_in(provider: str, text: str) -> list[str]:
    """The targets of the links `text` makes in the provider's markup."""
    if provider in ("slack", "googlechat_text"):
        return re.findall(r"<([^|>]*)[|>]", text)
    if provider == "googlechat":
        return re.findall(r'href="([^"]*)"', text)
    return re.findall(r"(?<!\\)\]\(([^)\s]*)", text)  # [text](target)


@pytest.fixture
def payloads(app: Flask, factory: Factory) -> dict[str, Any]:
    incident, _ = outage(factory, body=HOSTILE, name=HOSTILE_NAME)
    return render_all(notice_for(incident))


def test_no_group_mention_survives_in_any_format(payloads: dict[str, Any]) -> None:
    for provider, payload in payloads.items():
        for text in _texts(payload):
            assert not GROUP_MENTION.search(text), (provider, text)
    assert payloads["discord"]["allowed_mentions"] == {"parse": []}


def test_slack_gets_no_special_command_and_no_foreign_link(payloads: dict[str, Any]) -> None:
    blocks = payloads["slack"]["blocks"]
    header = next(b for b in blocks if b["type"] == "header")
    blocks = [b for b in blocks if b is not header]
    assert not re.search(r"<[!@#]", header["text"]["text"])  # plain_text: split, not escaped
    for text in _texts({**payloads["slack"], "blocks": blocks}):
        for target in _links_in("slack", text):
            assert target.startswith(("https://", "mailto:")), target
        assert "<script" not in text and "<b>" not in text
    sections = [b for b in payloads["slack"]["blocks"] if b["type"] == "section" and "text" in b]
    assert all(b["text"]["verbatim"] for b in sections)
    body = shown(payloads["slack"])
    assert "&lt;!channel&gt;" in body and "&lt;@U024BE7LH&gt;" in body  # shown, as typed
    assert "<https://ok.example/x_%28y%29|fine>" in body
    assert "<mailto:ops@example.com|mail>" in body


def test_discord_gets_no_mention_and_no_foreign_link(payloads: dict[str, Any]) -> None:
    embed = payloads["discord"]["embeds"][0]
    for text in _texts(embed):
        assert not re.search(r"(?<!\\)<[@#!:at/]", text), text
        for target in _links_in("discord", text):
            assert target.startswith("https://"), target
    assert "[fine](https://ok.example/x_%28y%29)" in embed["description"]


def test_teams_gets_no_foreign_link_and_no_card_function(payloads: dict[str, Any]) -> None:
    card = payloads["teams"]["attachments"][0]["content"]
    for text in _texts(card["body"]):
        for target in _links_in("teams", text):
            assert target.startswith(("https://", "mailto:")), target
        assert "{{" not in text
    assert all(a["url"].startswith("https://") for a in card["actions"])


def test_google_chat_gets_no_foreign_markup_link_or_mention(payloads: dict[str, Any]) -> None:
    payload = payloads["googlechat"]
    assert "<users/all>" not in payload["text"] and "<!" not in payload["text"]
    for text in _texts(payload["cardsV2"]):
        for target in _links_in("googlechat", text):
            assert target.startswith(("https://", "mailto:")), target
        assert "<script" not in text and "<users/" not in text
    assert "&lt;script&gt;" in shown(payload)  # shown, as typed


def test_the_title_is_shown_as_typed_and_inert(payloads: dict[str, Any]) -> None:
    for provider, payload in payloads.items():
        title = headline(provider, payload)
        assert title.replace("\u200b", "").replace("\\", "") == HOSTILE_NAME, provider
        assert not GROUP_MENTION.search(title), provider
        if provider != "teams":  # Teams reads no mention syntax in text (<at> needs entities)
            assert not re.search(r"(?<!\\)<[!@]", title), (provider, title)


def _long_body() -> str:
    paragraph = ("We are moving traffic to the standby cluster in the *Oslo* region; "
                 "see [the runbook](https://runbooks.example.com/db-failover) for the steps. ")
    return "\n\n".join(paragraph * 4 for _ in range(40))


@pytest.mark.parametrize("body", [_long_body(), "Ærlig talt: øv på å vente, å ja. " * 700],
                         ids=["markdown", "norwegian"])
def test_a_20000_character_body_is_cut_within_limits_with_a_link(
        app: Flask, factory: Factory, body: str) -> None:
    assert len(body) >= 20_000
    incident, _ = outage(factory, body=body[:24_000])
    notice = notice_for(incident)
    url = notice.incident_url
    for provider, payload in render_all(notice).items():  # within every limit
        text = shown(payload)
        assert "…" in text, provider
        assert "Read the full update" in text, provider
        assert text.count(url) >= 2, provider  # the cut body's link, and the main one
    slack = [b["text"]["text"] for b in render_all(notice)["slack"]["blocks"]
             if b["type"] == "section" and "Read the full update" in b.get("text", {}).get(
                 "text", "")]
    assert slack and units(slack[0]) <= 3000 and slack[0].count("<") == slack[0].count(">")


def test_a_body_is_cut_after_a_word_and_never_inside_a_link() -> None:
    source = " ".join(f"[step {n}](https://runbooks.example.com/{n}) done." for n in range(400))
    for style in ("slack", "discord", "teams", "googlechat_card"):
        cut = fit(source, style, 1000)
        assert cut.truncated and units(cut.text) <= 1000 and cut.text.endswith("…"), style
        assert "step 0" in cut.text, style
    slack = fit(source, "slack", 1000).text
    assert re.fullmatch(r"(<https://[^|>]+\|step \d+> done\. )+…", slack), slack


def test_only_web_and_mail_links_survive_conversion() -> None:
    source = "[a](https://a.example) [b](ftp://b.example) [c](slack://open) [d](mailto:d@e.f)"
    assert convert(source, "slack") == "<https://a.example|a> b c <mailto:d@e.f|d>"
    assert convert(source, "discord") == "[a](https://a.example) b c d (mailto:d@e.f)"
    assert convert(source, "googlechat_card") == (
        '<a href="https://a.example">a</a> b c <a href="mailto:d@e.f">d</a>')


def test_an_empty_body_leaves_no_empty_block(app: Flask, factory: Factory) -> None:
    incident, _ = outage(factory)
    notice = dataclasses.replace(notice_for(incident), body_markdown="")
    for provider, payload in render_all(notice).items():
        assert "Read the full update" not in shown(payload), provider


def test_extreme_titles_names_and_component_lists_stay_within_limits(
        app: Flask, factory: Factory) -> None:
    incident, _ = outage(factory, body=_long_body())
    notice = dataclasses.replace(
        notice_for(incident), heading="<@here> " * 60, page_name="Page & <Co> " * 40,
        components=tuple(ComponentChange(f"Component <{n}> " * 8, "Operational",
                                         "Major Outage", True) for n in range(300)))
    payloads = render_all(notice)  # every payload within its provider's rules
    assert "(+" in shown(payloads["slack"]) and "(+" in shown(payloads["teams"])
    assert len(payloads["discord"]["embeds"][0]["description"]) >= 1500
