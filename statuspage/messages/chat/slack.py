"""Slack: a Block Kit message for an incoming webhook (or chat.postMessage with a bot token).

Through the bot token the messages about one incident share a thread (delivery.chat_threads):
`closing` marks the resolution (tone RESOLVED), which is also shown in the channel.

Built with slack-sdk's block models, whose to_dict() checks Block Kit's limits as Slack
documents them (a header's text 150 characters, a section's 3000, at most 10 fields, 10
context elements); a broken rule raises SlackObjectFormationError here instead of a 400
`invalid_blocks` at send time. What they do not check is kept by hand: a field's text 2000,
50 blocks.

The blocks, top to bottom: the banner of an internal update (or one awaiting approval), the
header, the facts as fields (status, severity, maintenance window), the components with their
old -> new status, the body (mrkdwn, `verbatim` so Slack links no mention or channel name it
finds in it), the link to the incident, and a context line with the page, the kind, the time,
the subscription links and why the reader gets this. `text` is the notification's fallback.

The incident link is a mrkdwn link rather than a button: a button posted by an incoming
webhook still sends an interaction to an app that has no endpoint for it, and Slack marks it
failed. unfurl_links/unfurl_media are off: a link in an update body never pulls a preview of a
page nobody chose into the channel.
"""

from __future__ import annotations

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from statuspage.messages.chat import parts
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
from statuspage.models.subscribers import SLACK
from statuspage.notify.base import ChatContent

HEADER_LIMIT = 150
SECTION_LIMIT = 3000
FIELD_LIMIT = 2000
FIELDS = 10
CONTEXT_LIMIT = 3000
FALLBACK_LIMIT = 300
TONE_EMOJI = {CRITICAL: ":red_circle:", MAJOR: ":large_orange_circle:",
              MINOR: ":large_yellow_circle:", MAINTENANCE: ":wrench:",
              RESOLVED: ":white_check_mark:", INFO: ":information_source:"}


def slack_message(notice: ChatNotice) -> ChatContent:
    """The Block Kit message for `notice` (payload for WebhookClient.send_dict)."""
    style = STYLES["slack"]
    blocks: list[Block] = []
    if notice.banner:
        mark = ":lock:" if notice.internal else ":warning:"
        banner = parts.clip_text(notice.banner, style, CONTEXT_LIMIT - 20)
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"{mark} *{banner}*")]))
    heading = parts.clip_text(notice.heading, STYLES["slack_plain"], HEADER_LIMIT)
    blocks.append(HeaderBlock(text=PlainTextObject(text=heading, emoji=False)))
    fields = [MarkdownTextObject(text=_field(label, value)) for label, value in notice.facts()]
    if fields:
        blocks.append(SectionBlock(fields=fields[:FIELDS]))
    if notice.components:
        title = f"*{style.text(notice.labels.components)}*\n"
        lines = parts.component_lines(notice, style, SECTION_LIMIT - len(title))
        blocks.append(_section(title + lines))
    if notice.body_markdown.strip():
        blocks.append(_section(parts.body(notice, style, SECTION_LIMIT)))
    link = style.link(style.strong(style.text(notice.labels.open_link)), notice.link_url)
    blocks.append(_section(f"{TONE_EMOJI.get(notice.tone, '')} {link}".strip()))
    context = [parts.clip_text(notice.context_line(), style, CONTEXT_LIMIT)]
    if notice.subscription_links():
        context.append(parts.link_line(notice.subscription_links(), style))
    if notice.labels.footer:
        context.append(parts.clip_text(notice.labels.footer, style, CONTEXT_LIMIT))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=line) for line in context]))
    return ChatContent(provider=SLACK, thread_key=notice.thread_key,
                       closing=notice.tone == RESOLVED, payload={
        "text": _fallback(notice),
        "blocks": [block.to_dict() for block in blocks],
        "unfurl_links": False,
        "unfurl_media": False,
    })


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text, verbatim=True))


def _field(label: str, value: str) -> str:
    style = STYLES["slack"]
    head = f"*{style.text(label)}*\n"
    return head + parts.clip_text(value, style, FIELD_LIMIT - len(head))


def _fallback(notice: ChatNotice) -> str:
    """"[Internal] Title: Investigating (Acme)": what a notification shows."""
    style = STYLES["slack"]
    line = notice.heading + (f": {notice.status_label}" if notice.status_label else "")
    return parts.clip_text(f"{line} ({notice.page_name})", style, FALLBACK_LIMIT)
