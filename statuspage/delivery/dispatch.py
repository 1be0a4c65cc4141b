"""Turn queued deliveries into worker tasks: email in chunks, webhooks and chat messages one by
one, SMS by pump.

Enqueuing is only ever a hint: every send task claims its deliveries with a conditional
UPDATE first, so a delivery enqueued twice is still sent once, and one never enqueued (a crash
between commit and enqueue) is found by the periodic `send_due`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import select

from statuspage.core import jobs
from statuspage.core.extensions import db
from statuspage.delivery.id_lists import among
from statuspage.delivery.sms.pump import wake_pump
from statuspage.models import Delivery, Subscriber
from statuspage.models.deliveries import QUEUED
from statuspage.models.subscribers import CHAT_CHANNELS, EMAIL, SMS, WEBHOOK

# SendGrid takes at most 1,000 recipients per mail/send call (providers.md 8.1).
EMAIL_CHUNK = 1000
T = TypeVar("T")


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def dispatch_ids(ids: Sequence[int]) -> int:
    """Enqueue send work for those of these deliveries still queued; returns tasks enqueued."""
    tasks = 0
    for part in chunks(sorted(ids), EMAIL_CHUNK):
        rows = db.session.execute(
            select(Delivery.id, Delivery.channel, Delivery.event_id, Subscriber.language)
            .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
            .where(among(Delivery.id, part), Delivery.state == QUEUED)
            .order_by(Delivery.id)
        ).all()
        tasks += dispatch_rows(rows)
    return tasks


def dispatch_rows(rows: Iterable[Any]) -> int:
    """Enqueue send work for rows of (delivery id, channel, event id, language).

    Emails are grouped by event and language, so one rendered message serves each SendGrid
    call; webhooks and chat messages get one task each (a slow endpoint delays only itself,
    and a chat destination's pace is kept per message, see delivery.chat); SMS go through
    the single pump, which keeps the account's rate limit.
    """
    emails: dict[tuple[int, str], list[int]] = defaultdict(list)
    webhooks: list[int] = []
    chats: list[int] = []
    sms = False
    for delivery_id, channel, event_id, language in rows:
        if channel == EMAIL:
            emails[(event_id, language)].append(delivery_id)
        elif channel == WEBHOOK:
            webhooks.append(delivery_id)
        elif channel in CHAT_CHANNELS:
            chats.append(delivery_id)
        elif channel == SMS:
            sms = True
    tasks = 0
    for ids in emails.values():
        for part in chunks(ids, EMAIL_CHUNK):
            jobs.enqueue("send_email_chunk", list(part))
            tasks += 1
    for delivery_id in webhooks:
        jobs.enqueue("send_webhook", delivery_id)
        tasks += 1
    for delivery_id in chats:
        jobs.enqueue("send_chat", delivery_id)
        tasks += 1
    if sms and wake_pump():
        tasks += 1
    return tasks
