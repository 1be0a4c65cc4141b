"""Shared by the chat sender tests: a minimal valid payload per provider."""

from __future__ import annotations

from typing import Any

from statuspage.models.subscribers import DISCORD, GOOGLE_CHAT, SLACK, TEAMS

# Payloads in each provider's documented minimal shape (Slack "Sending messages using
# incoming webhooks"; Teams "Send Adaptive Cards using an Incoming Webhook"; Discord
# "Execute Webhook"; Google Chat "Build a Google Chat app as a webhook").
PAYLOADS: dict[str, dict[str, Any]] = {
    SLACK: {"text": "Danny Torrence left a 1 star review for your property.",
            "blocks": [{"type": "section", "text": {
                "type": "mrkdwn", "text": "Danny Torrence left the following review."}}]},
    TEAMS: {"type": "message", "attachments": [{
        "contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None,
        "content": {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard", "version": "1.4",
                    "body": [{"type": "TextBlock", "text": "Incident: API degraded"}]}}]},
    DISCORD: {"content": "Hello, World!", "embeds": [{"title": "API degraded",
                                                       "description": "Investigating"}]},
    GOOGLE_CHAT: {"text": "Hello from a Python script!"},
}
