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
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, and_, or_, select, update

from statuspage.core.extensions import db
from statuspage.delivery.faults import persist, rollback
from statuspage.delivery.id_lists import among
from statuspage.models import (
    Delivery,
    FanoutEvent,
    Incident,
    StakeholderMember,
    Subscriber,
    utcnow,
)
from statuspage.models.deliveries import FAILED, QUEUED, SENDING, SUPPRESSED
from statuspage.notify.base import DeliveryError, Recipient
from statuspage.subscriptions import leaving
from statuspage.subscriptions import subscribe as subscriptions
from statuspage.subscriptions.links import Linker

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

    def to(self) -> Recipient:
        """The recipient: every item `reachable` keeps has one (only inactive items have none)."""
        if self.recipient is None:
            raise ValueError(f"delivery {self.delivery_id} has no recipient: not reachable")
        return self.recipient


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


def claim(ids: Sequence[int], now: datetime | None = None,
          lease: datetime | None = None) -> list[int]:
    """Take these deliveries for sending, if still queued and due; the ids actually taken.

    One conditional UPDATE: a second worker running the same claim gets none of them.
    `lease` (from `new_lease`) names the claim: run again with the same value after a lost
    connection (the first commit may have happened), it takes back its own claims too.
    """
    if not ids:
        return []
    now = now or utcnow()
    lease = lease or new_lease(now)
    claimed = list(db.session.execute(
        update(Delivery)
        .where(among(Delivery.id, ids),
               and_(Delivery.state == QUEUED, due(now))
               | and_(Delivery.state == SENDING, Delivery.lease_until == lease))
        .values(state=SENDING, lease_until=lease, attempts=Delivery.attempts + 1,
                updated_at=now)
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    ).scalars())
    db.session.commit()
    return claimed


def new_lease(now: datetime | None = None) -> datetime:
    """A lease end DELIVERY_LEASE_SECONDS from now, with random microseconds: it names one
    claim (`claim`, `renew`), as no two claims draw the same instant."""
    now = now or utcnow()
    return (now + timedelta(seconds=int(current_app.config["DELIVERY_LEASE_SECONDS"]))
            ).replace(microsecond=secrets.randbelow(1_000_000))


def renew(ids: Sequence[int], lease: datetime) -> tuple[list[int], datetime]:
    """Extend the claim `lease` on these deliveries; the ids still held, and the new lease.

    After a fault that held a worker up, what recovery took back (the lease ran out) is no
    longer this worker's to send.
    """
    fresh = new_lease()
    held = list(db.session.execute(
        update(Delivery)
        .where(among(Delivery.id, ids), Delivery.state == SENDING,
               Delivery.lease_until == lease)
        .values(lease_until=fresh)
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    ).scalars())
    db.session.commit()
    return held, fresh


def record_failure(items: Sequence[Item], error: DeliveryError) -> float | None:
    """Record a failed attempt; the seconds until the retry, or None when it will not be retried.

    Permanent: failed, with the provider's error and code, and the subscriber suppressed when
    the provider says so. Transient: queued again after a backoff, unless the deliveries are
    older than DELIVERY_RETRY_SECONDS, which fails them. Rides out a lost database connection
    (`persist`): every step is conditional on the deliveries still being `sending`.
    """
    return persist(lambda: _record_failure(items, error), "recording a failed send")


def _record_failure(items: Sequence[Item], error: DeliveryError) -> float | None:
    rollback()  # whatever the failed attempt left half-done
    now = utcnow()
    ids = [i.delivery_id for i in items]
    message = (error.message or type(error).__name__)[:2000]
    code = (error.code or "")[:32] or None
    if error.permanent:
        set_state(ids, now, state=FAILED, last_error=message, error_code=code)
        if error.suppress:
            for subscriber_id in sorted({i.subscriber_id for i in items}):
                subscriber = db.session.get(Subscriber, subscriber_id)
                if subscriber is not None:
                    leaving.suppress(subscriber, error.suppress)
        log.info("%d deliveries failed permanently: %s", len(ids), message)
        return None
    give_up = now - timedelta(seconds=int(current_app.config["DELIVERY_RETRY_SECONDS"]))
    expired = {i.delivery_id for i in items if i.created_at <= give_up}
    if expired:
        set_state(sorted(expired), now, state=FAILED, error_code=code,
             last_error=f"Gave up retrying: {message}"[:2000])
    retry = [i for i in ids if i not in expired]
    if not retry:
        return None
    delay = backoff_seconds(max(i.attempts for i in items), error.retry_after)
    set_state(retry, now, state=QUEUED, last_error=message, error_code=code,
         next_attempt_at=now + timedelta(seconds=delay))
    log.info("%d deliveries will be retried in %.0fs: %s", len(retry), delay, message)
    return delay


def set_state(ids: Sequence[int], now: datetime, **values: Any) -> None:
    db.session.execute(
        update(Delivery)
        .where(among(Delivery.id, ids), Delivery.state == SENDING)
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
        .where(among(Delivery.id, ids))
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
            set_state(ids, now, state=SUPPRESSED, last_error=f"Subscriber {why}")
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
        set_state(ids, utcnow(), state=QUEUED, attempts=Delivery.attempts - 1)
