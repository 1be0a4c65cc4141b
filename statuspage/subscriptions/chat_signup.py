"""The public form's chat sign-up (issue 13): one "chat" choice for every chat app."""

from __future__ import annotations

from collections.abc import Iterable

from statuspage.models import Subscriber
from statuspage.subscriptions.chat import pick_provider
from statuspage.subscriptions.subscribe import subscribe


def subscribe_chat(choice: str, url: str, component_ids: Iterable[int | str], language: str,
                   ip: str | None, source: str = "page") -> Subscriber:
    """Subscribe a chat channel's incoming webhook: the app chosen on the form, or found
    from the URL (subscriptions.chat.pick_provider); then as subscriptions.subscribe, which
    keeps the URL sealed and sends the test message with its confirmation link."""
    return subscribe(pick_provider(choice, url), url, component_ids, language, ip, source)
