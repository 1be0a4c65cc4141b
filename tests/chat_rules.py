"""The chat providers' documented payload rules, as checks: each function lists every rule a
payload breaks ([] for none). Used by the format tests and by the fake chat endpoints.

Sources (tests/fixtures/chat/README.md has the examples):
- Slack Block Kit reference (docs.slack.dev/reference/block-kit/blocks): 50 blocks a message;
  header plain_text 150; section text 3000, at most 10 fields of 2000; context 1 to 10
  elements; actions at most 25 elements, a button's text 75 and url 3000; block_id 255 and
  unique. slack-sdk's block models check what they know (Block.parse + validate_json).
- Microsoft Teams, "Create an Incoming Webhook" and "Send Adaptive Cards using an Incoming
  Webhook": {"type": "message", "attachments": [{"contentType":
  "application/vnd.microsoft.card.adaptive", "content": <card>}]}; every card element but
  Action.Submit is supported; a message is at most 28 KB (read as 28,000 bytes).
- Discord, Messages resource "Embed Limits" and "Allowed Mentions Reference".
- Google Chat, Cards v2 reference (a card shows at most 100 widgets), "Format messages" (card
  text takes b, i, u, s, font, a and br), Thread.threadKey (up to 4000 characters), and the
  message size limit of 32,000 bytes.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

from tests.chat_rules_cards import googlechat_problems, teams_problems

Json = dict[str, Any]
__all__ = ["discord_problems", "googlechat_problems", "slack_problems", "teams_problems"]

SLACK_BLOCK_TYPES = {"section", "header", "context", "divider", "actions", "image",
                     "rich_text", "input", "file", "video", "markdown", "table",
                     "context_actions", "card", "carousel", "alert", "plan", "task_card"}
SLACK_KEYS = {"text", "blocks", "attachments", "thread_ts", "mrkdwn", "unfurl_links",
              "unfurl_media", "username", "icon_emoji", "icon_url", "channel", "response_type",
              "replace_original", "delete_original", "metadata", "reply_broadcast"}


def _length(text: object) -> int:
    return len(text) if isinstance(text, str) else 0


def slack_problems(payload: Json) -> list[str]:
    problems: list[str] = []
    for key in set(payload) - SLACK_KEYS:
        problems.append(f"unknown top-level key {key!r}")
    text, blocks = payload.get("text"), payload.get("blocks")
    if not (isinstance(text, str) and text.strip()) and not blocks:
        problems.append("neither text nor blocks")
    if text is not None and not isinstance(text, str):
        problems.append("text is not a string")
    if _length(text) > 40_000:
        problems.append("text longer than 40000 characters")
    if blocks is None:
        return problems
    if not isinstance(blocks, list):
        return [*problems, "blocks is not a list"]
    if len(blocks) > 50:
        problems.append(f"{len(blocks)} blocks (at most 50)")
    ids: set[str] = set()
    for index, block in enumerate(blocks):
        problems += [f"block {index}: {p}" for p in _slack_block(block, ids)]
    return problems


def _slack_block(block: Any, ids: set[str]) -> list[str]:
    if not isinstance(block, dict) or block.get("type") not in SLACK_BLOCK_TYPES:
        return [f"unknown block {block!r:.80}"]
    problems: list[str] = []
    try:
        parsed = Block.parse(block)
        if parsed is not None:
            parsed.validate_json()
    except (SlackObjectFormationError, KeyError, TypeError) as error:
        problems.append(f"slack-sdk: {error}")
    block_id = block.get("block_id")
    if block_id is not None:
        if _length(block_id) > 255:
            problems.append("block_id longer than 255")
        if block_id in ids:
            problems.append(f"block_id {block_id!r} repeated")
        ids.add(block_id)
    kind = block["type"]
    if kind == "header":
        text = block.get("text") or {}
        if text.get("type") != "plain_text":
            problems.append("header text is not plain_text")
        if _length(text.get("text")) > 150:
            problems.append("header text longer than 150")
    elif kind == "section":
        text, fields = block.get("text"), block.get("fields")
        if not text and not fields:
            problems.append("section without text or fields")
        if text and not 1 <= _length(text.get("text")) <= 3000:
            problems.append("section text empty or longer than 3000")
        if fields is not None:
            if len(fields) > 10:
                problems.append(f"{len(fields)} fields (at most 10)")
            problems += [f"field {i} empty or longer than 2000" for i, field in
                         enumerate(fields) if not 1 <= _length(field.get("text")) <= 2000]
    elif kind == "context":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= 10:
            problems.append(f"context with {len(elements)} elements (1 to 10)")
    elif kind == "actions":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= 25:
            problems.append(f"actions with {len(elements)} elements (1 to 25)")
        for element in elements:
            if element.get("type") == "button":
                if _length((element.get("text") or {}).get("text")) > 75:
                    problems.append("button text longer than 75")
                if _length(element.get("url")) > 3000:
                    problems.append("button url longer than 3000")
    return problems


DISCORD_LIMITS = {"title": 256, "description": 4096, "footer": 2048, "author": 256,
                  "field name": 256, "field value": 1024}


def _discord_text(value: object) -> int:
    """Discord measures text with leading and trailing whitespace trimmed."""
    return len(value.strip()) if isinstance(value, str) else 0


def discord_problems(payload: Json) -> list[str]:
    problems: list[str] = []
    embeds = payload.get("embeds") or []
    if not any(payload.get(k) for k in ("content", "embeds", "sticker_ids", "components",
                                        "files", "attachments", "poll")):
        problems.append("no content, embeds, components, files or poll")
    if _length(payload.get("content")) > 2000:
        problems.append("content longer than 2000")
    if len(embeds) > 10:
        problems.append(f"{len(embeds)} embeds (at most 10)")
    total = 0
    for index, embed in enumerate(embeds):
        texts = {"title": embed.get("title"), "description": embed.get("description"),
                 "footer": (embed.get("footer") or {}).get("text"),
                 "author": (embed.get("author") or {}).get("name")}
        for name, text in texts.items():
            total += _discord_text(text)
            if _discord_text(text) > DISCORD_LIMITS[name]:
                problems.append(f"embed {index}: {name} longer than {DISCORD_LIMITS[name]}")
        fields = embed.get("fields") or []
        if len(fields) > 25:
            problems.append(f"embed {index}: {len(fields)} fields (at most 25)")
        for number, field in enumerate(fields):
            for part, key in (("field name", "name"), ("field value", "value")):
                size = _discord_text(field.get(key))
                total += size
                if not 1 <= size <= DISCORD_LIMITS[part]:
                    problems.append(f"embed {index} field {number}: {key} empty or longer "
                                    f"than {DISCORD_LIMITS[part]}")
        colour = embed.get("color")
        if colour is not None and not (isinstance(colour, int) and 0 <= colour <= 0xFFFFFF):
            problems.append(f"embed {index}: color is not an integer RGB")
        url = embed.get("url")
        if url is not None and not str(url).startswith(("http://", "https://")):
            problems.append(f"embed {index}: url is not http(s)")
    if total > 6000:
        problems.append(f"embed text totals {total} characters (at most 6000)")
    return problems + _allowed_mentions(payload.get("allowed_mentions"))


def _allowed_mentions(mentions: Any) -> list[str]:
    if mentions is None:
        return []
    problems = []
    parse = mentions.get("parse", [])
    if not set(parse) <= {"roles", "users", "everyone"}:
        problems.append(f"allowed_mentions.parse has unknown types {parse!r}")
    for kind in ("users", "roles"):
        if kind in parse and mentions.get(kind):
            problems.append(f"allowed_mentions: parse {kind!r} and {kind} list are exclusive")
        if len(mentions.get(kind) or []) > 100:
            problems.append(f"allowed_mentions: more than 100 {kind}")
    return problems
