"""Helpers for the subscription tests: read what the log backend 'sent', pull links and codes."""

from __future__ import annotations

import re

from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.models import OutboxMessage, Subscriber

US_MOBILE = "+14155552671"
NO_MOBILE = "+4740612345"
GB_MOBILE = "+447400123456"

_LINK = re.compile(r"https?://[^\s\"'<>]+")


def outbox(channel: str | None = None, to: str | None = None) -> list[OutboxMessage]:
    """Messages the log backend recorded, oldest first."""
    db.session.expire_all()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if channel:
        query = query.where(OutboxMessage.channel == channel)
    if to:
        query = query.where(OutboxMessage.to == to)
    return list(db.session.execute(query).scalars())


def link_in(text: str, path_part: str) -> str:
    """The first URL in `text` whose path contains `path_part`."""
    for url in _LINK.findall(text):
        if path_part in url:
            return url
    raise AssertionError(f"no {path_part} link in: {text!r}")


def path_of(url: str) -> str:
    """The path of an absolute link, to request it from the test client."""
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def token_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


def code_in(body: str) -> str:
    match = re.search(r"\b(\d{6})\b", body)
    assert match, f"no code in {body!r}"
    return match.group(1)


def reloaded(subscriber: Subscriber) -> Subscriber:
    """The subscriber as the database has it now (tasks commit in their own session)."""
    db.session.expire_all()
    found = db.session.get(Subscriber, subscriber.id)
    assert found is not None
    return found


def last_code(address: str) -> str:
    """The code in the last text message to `address`."""
    messages = outbox("sms", address)
    assert messages, f"no text message to {address}"
    return code_in(messages[-1].body)
