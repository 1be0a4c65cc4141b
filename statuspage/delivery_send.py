"""Send queued deliveries: claim, send through the channel, record the outcome at once.

A delivery is claimed by a conditional UPDATE (queued and due -> sending, with a lease), so
two workers never send the same one. As soon as the provider accepts, the delivery is saved
as sent with the provider's message id: a duplicate send is possible only if a worker dies
between the provider's answer and that commit. A transient failure puts it back in the queue
with exponential backoff and jitter (or the provider's Retry-After) until
DELIVERY_RETRY_SECONDS after its creation; a permanent one fails it and, when the provider
says the address is dead or opted out, suppresses the subscriber so nothing more goes there.
"""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, and_, or_, select, update

from statuspage import messages, subscriptions
from statuspage.extensions import db
from statuspage.models import (
    Delivery,
    FanoutEvent,
    Incident,
    StakeholderMember,
    Subscriber,
    utcnow,
)
from statuspage.models.deliveries import FAILED, QUEUED, SENDING, SENT, SUPPRESSED
from statuspage.notify import registry
from statuspage.notify.base import DeliveryError, Recipient
from statuspage.subscription_links import Linker

log = logging.getLogger(__name__)

# Backoff: about 15 s, 30 s, 1 min, … doubling up to 30 min, each drawn from [half, full]
# so a burst of failures does not come back as a burst.
BACKOFF_BASE_SECONDS = 15.0
BACKOFF_CAP_SECONDS = 1800.0


@dataclass(slots=True)
class Item:
    """A claimed delivery, read once: plain values survive the commits that follow.

    Not frozen: an email chunk makes 1,000, and frozen dataclasses cost twice as much to build.
    """

    delivery_id: int
    event_id: int
    subscriber_id: int
    created_at: datetime
    attempts: int
    language: str
    active: bool
    why_inactive: str
    recipient: Recipient | None
    # The number has not yet had an SMS with the opt-out wording: this one must carry it.
    needs_notice: bool = False


def backoff_seconds(attempts: int, retry_after: float | None = None,
                    rng: random.Random | None = None) -> float:
    """Seconds to wait before the next attempt, after `attempts` attempts.

    A provider's Retry-After is honoured: never earlier, plus a little jitter so every
    worker told "5 seconds" does not come back in the same instant.
    """
    rng = rng or random.Random()
    if retry_after is not None and retry_after > 0:
        return retry_after + rng.uniform(0.0, min(retry_after * 0.1, 5.0))
    base = min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_CAP_SECONDS)
    return rng.uniform(base / 2, base)


def due(now: datetime) -> ColumnElement[bool]:
    """Deliveries whose next attempt may happen now."""
    return or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now)


def claim(ids: Sequence[int], now: datetime | None = None) -> list[int]:
    """Take these deliveries for sending, if still queued and due; the ids actually taken.

    One conditional UPDATE: a second worker running the same claim gets none of them.
    """
    if not ids:
        return []
    now = now or utcnow()
    lease = now + timedelta(seconds=int(current_app.config["DELIVERY_LEASE_SECONDS"]))
    claimed = list(db.session.execute(
        update(Delivery)
        .where(Delivery.id.in_(list(ids)), Delivery.state == QUEUED, due(now))
        .values(state=SENDING, lease_until=lease, attempts=Delivery.attempts + 1,
                updated_at=now)
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    ).scalars())
    db.session.commit()
    return claimed


def send_email_chunk(delivery_ids: Sequence[int]) -> int:
    """Send up to 1,000 email deliveries, one SendGrid call per event and language.

    Returns how many the provider accepted.
    """
    items = reachable(load_items(claim(delivery_ids)))
    # Stakeholder members get their own rendering (no subscription links in the footer).
    groups: dict[tuple[int, str, bool], list[Item]] = defaultdict(list)
    for item in items:
        stakeholder = item.recipient is not None and item.recipient.stakeholder
        groups[(item.event_id, item.language, stakeholder)].append(item)
    if not groups:
        return 0
    channel = registry.email_channel()
    sent = 0
    for (event_id, language, stakeholder), group in groups.items():
        try:
            content = messages.render_email(db.session.get(FanoutEvent, event_id), language,
                                            stakeholder=stakeholder)
            provider_id = channel.send_batch(content, [i.recipient for i in group])
        except Exception as error:  # every failure is recorded on the deliveries
            delay = record_failure(group, as_delivery_error(error))
            if delay is not None:
                from statuspage import delivery_tasks

                delivery_tasks.send_email_chunk.schedule(
                    args=([i.delivery_id for i in group],), delay=delay)
            continue
        mark_sent([i.delivery_id for i in group], provider_id)
        sent += len(group)
    return sent


def send_webhook(delivery_id: int) -> bool:
    """POST one webhook delivery; True when the endpoint accepted it."""
    items = reachable(load_items(claim([delivery_id])))
    if not items:
        return False
    item = items[0]
    try:
        content = messages.webhook_payload(db.session.get(FanoutEvent, item.event_id),
                                           db.session.get(Subscriber, item.subscriber_id))
        provider_id = registry.webhook_channel().send(content, item.recipient)
    except Exception as error:  # recorded as a failure, never lost
        delay = record_failure(items, as_delivery_error(error))
        if delay is not None:
            from statuspage import delivery_tasks

            delivery_tasks.send_webhook.schedule(args=(delivery_id,), delay=delay)
        return False
    mark_sent([delivery_id], provider_id)
    return True


def mark_sent(ids: Sequence[int], provider_id: str) -> None:
    """Save the provider's acceptance at once: from here on a crash cannot cause a resend."""
    now = utcnow()
    db.session.execute(
        update(Delivery)
        .where(Delivery.id.in_(list(ids)), Delivery.state == SENDING)
        .values(state=SENT, provider_message_id=provider_id or None, sent_at=now,
                lease_until=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def record_failure(items: Sequence[Item], error: DeliveryError) -> float | None:
    """Record a failed attempt; the seconds until the retry, or None when it will not be retried.

    Permanent: failed, with the provider's error and code, and the subscriber suppressed when
    the provider says so. Transient: queued again after a backoff, unless the deliveries are
    older than DELIVERY_RETRY_SECONDS, which fails them.
    """
    db.session.rollback()  # whatever the failed attempt left half-done
    now = utcnow()
    ids = [i.delivery_id for i in items]
    message = (error.message or type(error).__name__)[:2000]
    code = (error.code or "")[:32] or None
    if error.permanent:
        _set(ids, now, state=FAILED, last_error=message, error_code=code)
        if error.suppress:
            for subscriber_id in sorted({i.subscriber_id for i in items}):
                subscriber = db.session.get(Subscriber, subscriber_id)
                if subscriber is not None:
                    subscriptions.suppress(subscriber, error.suppress)
        log.info("%d deliveries failed permanently: %s", len(ids), message)
        return None
    give_up = now - timedelta(seconds=int(current_app.config["DELIVERY_RETRY_SECONDS"]))
    expired = {i.delivery_id for i in items if i.created_at <= give_up}
    if expired:
        _set(sorted(expired), now, state=FAILED, error_code=code,
             last_error=f"Gave up retrying: {message}"[:2000])
    retry = [i for i in ids if i not in expired]
    if not retry:
        return None
    delay = backoff_seconds(max(i.attempts for i in items), error.retry_after)
    _set(retry, now, state=QUEUED, last_error=message, error_code=code,
         next_attempt_at=now + timedelta(seconds=delay))
    log.info("%d deliveries will be retried in %.0fs: %s", len(retry), delay, message)
    return delay


def _set(ids: Sequence[int], now: datetime, **values: Any) -> None:
    db.session.execute(
        update(Delivery)
        .where(Delivery.id.in_(list(ids)), Delivery.state == SENDING)
        .values(lease_until=None, updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def load_items(ids: Sequence[int]) -> list[Item]:
    """Claimed deliveries with their subscribers, read once (columns of the delivery only)."""
    if not ids:
        return []
    # Columns, not Subscriber objects: an email chunk reads 1,000 of them, and loading them
    # as ORM objects was, with the links' tokens, most of a chunk's time (profiled).
    rows = db.session.execute(
        select(Delivery.id.label("delivery_id"), Delivery.event_id, Delivery.created_at,
               Delivery.attempts, Subscriber.id, Subscriber.public_id, Subscriber.address,
               Subscriber.language, Subscriber.token_version, Subscriber.secret,
               Subscriber.stakeholder_member_id, Subscriber.opt_out_notice_at,
               # A stakeholder's link to the internal view names them and the incident.
               StakeholderMember.public_id.label("member_public_id"),
               Incident.public_id.label("incident_public_id"),
               # The rule of Subscriber.is_active, in SQL.
               and_(Subscriber.confirmed_at.is_not(None), Subscriber.unsubscribed_at.is_(None),
                    Subscriber.suppressed_at.is_(None)).label("active"))
        .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
        .outerjoin(StakeholderMember, StakeholderMember.id == Subscriber.stakeholder_member_id)
        .outerjoin(FanoutEvent, FanoutEvent.id == Delivery.event_id)
        .outerjoin(Incident, Incident.id == FanoutEvent.incident_id)
        .where(Delivery.id.in_(list(ids)))
        .order_by(Delivery.id)
    ).all()
    linker = Linker()
    return [
        Item(delivery_id=row.delivery_id, event_id=row.event_id, subscriber_id=row.id,
             created_at=row.created_at, attempts=row.attempts, language=row.language,
             active=bool(row.active), why_inactive="" if row.active else _why_inactive(row.id),
             recipient=(subscriptions.recipient_for(row, row.delivery_id, linker,
                                                    internal_url=_internal_url(row, linker))
                        if row.active else None),
             needs_notice=row.opt_out_notice_at is None)
        for row in rows
    ]


def _internal_url(row: Any, linker: Linker) -> str:
    """A stakeholder's own link to the internal view of the event's incident; "" otherwise."""
    if row.member_public_id is None or row.incident_public_id is None:
        return ""
    return linker.internal(row.member_public_id, row.incident_public_id)


def _why_inactive(subscriber_id: int) -> str:
    subscriber = db.session.get(Subscriber, subscriber_id)
    return (subscriber.suppression_reason or subscriber.state) if subscriber else "deleted"


def reachable(items: list[Item]) -> list[Item]:
    """Drop, as `suppressed`, claimed deliveries to subscribers who left or were suppressed.

    The expansion took only active subscribers, but a bounce or an unsubscribe may have come
    in since; those deliveries end here without a send.
    """
    gone: dict[str, list[int]] = defaultdict(list)
    for item in items:
        if not item.active:
            gone[item.why_inactive].append(item.delivery_id)
    if gone:
        now = utcnow()
        for why, ids in gone.items():  # one UPDATE per reason, not per delivery
            _set(ids, now, state=SUPPRESSED, last_error=f"Subscriber {why}")
    return [i for i in items if i.active]


def as_delivery_error(error: Exception) -> DeliveryError:
    if isinstance(error, DeliveryError):
        return error
    # Not the provider's answer but our own failure (rendering, a bug): log it in full and
    # retry, so a fix deployed within the retry window still gets the message out.
    log.exception("sending failed unexpectedly", exc_info=error)
    return DeliveryError(f"{type(error).__name__}: {error}", permanent=False, code="internal")


def release(ids: Sequence[int]) -> None:
    """Give back claimed deliveries that were not sent after all (a pump stopping early)."""
    if ids:
        _set(ids, utcnow(), state=QUEUED, attempts=Delivery.attempts - 1)
