"""What a reader of the dev outbox may see of a message: token-bearing links hidden from viewers.

Messages in the outbox are what subscribers and stakeholder members would have received, with
their personal links filled in: manage, unsubscribe and confirm links, members' internal
incident links, and the one-time code of an SMS sign-up confirmation. Each one acts for its
recipient, so a read-only console user must not get them live. `present` returns copies with
the token of every such link (every path of the app whose rule takes a `<token>`, so a new
token route is covered without a change here) and the SMS code replaced by REDACTED; people
who may edit subscribers anyway (communicators, admins) see them whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from flask import current_app

from statuspage.models import OutboxMessage, User
from statuspage.notify.log import SECRET_HEADER

REDACTED = "REDACTED"
# Characters a token in our URLs may contain (itsdangerous and secrets.token_urlsafe output).
_TOKEN = r"[A-Za-z0-9._~%-]+"


@dataclass(frozen=True)
class OutboxEntry:
    """One outbox message as a console reader may see it."""

    id: int
    channel: str
    to: str
    subject: str
    body: str
    html: str
    headers: dict[str, Any]
    created_at: datetime


def may_see_links(user: User) -> bool:
    """Whether `user` may see recipients' personal links live (they can edit subscribers)."""
    return bool(user.can_edit)


def present(messages: Iterable[OutboxMessage], user: User) -> list[OutboxEntry]:
    """The messages as `user` may see them: links redacted unless `may_see_links(user)`."""
    hide = not may_see_links(user)
    return [_entry(m, hide) for m in messages]


def redact(text: str) -> str:
    """`text` with the token of every token-bearing link of this app replaced by REDACTED."""
    if not text:
        return text
    return _pattern(_token_paths()).sub(lambda m: m.group(1) + REDACTED, text)


def _entry(message: OutboxMessage, hide: bool) -> OutboxEntry:
    headers = dict(message.headers or {})
    code = headers.get(SECRET_HEADER) if hide else None

    def clean(text: str) -> str:
        if not hide:
            return text
        text = redact(text)
        return text.replace(code, REDACTED) if isinstance(code, str) and code else text

    headers = {k: clean(v) if isinstance(v, str) else v for k, v in headers.items()}
    return OutboxEntry(id=message.id, channel=message.channel, to=message.to,
                       subject=clean(message.subject or ""), body=clean(message.body or ""),
                       html=clean(message.html or ""), headers=headers,
                       created_at=message.created_at)


def _token_paths() -> tuple[str, ...]:
    """The static part before `<token>` of every rule that takes one, e.g. "/manage/"."""
    prefixes = set()
    for rule in current_app.url_map.iter_rules():
        marker = rule.rule.find("<token>")
        if marker > 0:
            prefixes.add(rule.rule[:marker])
    return tuple(sorted(prefixes, key=len, reverse=True))


@cache
def _pattern(prefixes: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(p) for p in prefixes) or r"(?!)"
    return re.compile(f"({alternatives}){_TOKEN}")
