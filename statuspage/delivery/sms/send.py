"""SMS deliveries for the pump: claim the due ones a few at a time, prepare, send one.

The pump (statuspage.delivery.sms.pump) decides when; these functions do the database and provider
work, with the claim rules of every other channel (delivery.send). Acceptances are saved in
batches a tenth of a second apart (SentSaver) rather than one commit per message.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.delivery.acceptances import keep_sent
from statuspage.delivery.faults import persist
from statuspage.delivery.mark_sent import mark_sent_rows
from statuspage.delivery.send import (
    Item,
    as_delivery_error,
    claim,
    load_items,
    new_lease,
    reachable,
    record_failure,
)
from statuspage.messages import build as messages
from statuspage.models import Delivery, FanoutEvent, utcnow
from statuspage.models.deliveries import QUEUED, SENDING
from statuspage.models.subscribers import SMS
from statuspage.notify.base import DeliveryError, SmsContent

log = logging.getLogger(__name__)

# How often the pump saves the provider's acceptances: a crash in between resends at most
# this much time's worth of SMS (the window the crash guarantee allows: after the provider
# accepted, before the record was saved).
SAVE_EVERY_SECONDS = 0.1


def claim_size_for(rate: float) -> int:
    """Deliveries claimed per database round trip: about 100 ms of sending."""
    return max(1, min(50, math.ceil(rate / 4)))


@dataclass(frozen=True)
class PreparedSms:
    """A claimed SMS delivery with its text and recipient, ready for the provider."""

    item: Item
    content: SmsContent


def claim_due_sms(limit: int, now: datetime | None = None) -> list[int]:
    """Claim up to `limit` due SMS deliveries, the longest due first.

    Rides out a lost connection (`persist`): the claim's lease names it, so a retry after a
    commit whose answer was lost takes back the same deliveries.
    """
    lease = new_lease(now)
    return persist(lambda: _claim_due_sms(limit, now or utcnow(), lease), "claiming due SMS")


def _claim_due_sms(limit: int, now: datetime, lease: datetime) -> list[int]:
    # Served by ix_delivery_claim (channel, state, next_attempt_at).
    candidates = list(db.session.execute(
        select(Delivery.id)
        .where(Delivery.channel == SMS,
               ((Delivery.state == QUEUED) & (Delivery.next_attempt_at <= now))
               | ((Delivery.state == SENDING) & (Delivery.lease_until == lease)))
        .order_by(Delivery.next_attempt_at)
        .limit(limit)
    ).scalars())
    db.session.commit()
    return claim(candidates, now, lease=lease) if candidates else []


def prepare_sms(delivery_ids: list[int],
                contents: dict[tuple[int, str, bool, str], SmsContent]) -> list[PreparedSms]:
    """Read claimed SMS deliveries and render their text, before the pacing point, so each
    provider call starts right on time. `contents` caches texts per (event, language,
    opt-out notice needed: a number's first message carries "Reply STOP to unsubscribe"),
    and per member for stakeholders, whose text carries their own link.
    """
    prepared = []
    for item in persist(lambda: reachable(load_items(delivery_ids)), "reading claimed SMS"):
        own_link = item.recipient.internal_url if item.recipient is not None else ""
        key = (item.event_id, item.language, item.needs_notice, own_link)
        try:
            if key not in contents:
                contents[key] = messages.render_sms_to(
                    db.session.get_one(FanoutEvent, item.event_id), item.language, item.recipient,
                    notice=item.needs_notice)
        except Exception as error:  # recorded as a failure, never lost
            record_failure([item], as_delivery_error(error))
            continue
        prepared.append(PreparedSms(item, contents[key]))
    persist(db.session.commit, "ending the read of claimed SMS")  # before the wait
    return prepared


def send_prepared_sms(prepared: PreparedSms, channel: Any, saver: SentSaver
                      ) -> DeliveryError | None:
    """Hand one SMS to the provider and save the outcome; the error when it failed."""
    try:
        provider_id = channel.send(prepared.content, prepared.item.recipient)
    except Exception as error:  # recorded as a failure, never lost
        failure = as_delivery_error(error)
        record_failure([prepared.item], failure)
        return failure
    item = prepared.item
    saver.sent(item.delivery_id, provider_id,
               item.subscriber_id if item.needs_notice else None)
    return None


def mark_each_sent(sent: Sequence[tuple[int, str, int | None]]) -> None:
    """Save deliveries as sent, each with its own provider id: one statement, one commit.

    The third value names a subscriber whose SMS carried the opt-out wording: noted in the
    same commit, so a crash before it resends the notice and never skips it.
    """
    mark_sent_rows(sent)


class SentSaver:
    """Saves the provider's acceptances, threaded: in batches, every SAVE_EVERY_SECONDS.

    A commit per SMS made each sender wait for the database, on SQLite behind every other
    writer, at 100 sends a second; batched from a thread of its own, sends never wait on a
    save. Unthreaded (one sender at a time, the tests' pump) each is saved at once.
    """

    def __init__(self, app: Any, threaded: bool) -> None:
        self.pending: list[tuple[int, str, int | None]] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None
        if threaded:
            self.thread = threading.Thread(target=self._run, args=(app,), daemon=True,
                                           name="sms-pump-saver")
            self.thread.start()

    def sent(self, delivery_id: int, provider_id: str, noticed: int | None = None) -> None:
        """The provider accepted it; `noticed`: the subscriber its text gave the STOP line."""
        if self.thread is None:
            keep_sent([(delivery_id, provider_id, noticed)])
            return
        with self.lock:
            self.pending.append((delivery_id, provider_id, noticed))

    def _run(self, app: Any) -> None:
        with app.app_context():
            while not self.stopping.wait(SAVE_EVERY_SECONDS):
                self._save()
            self._save()  # the last round: everything handed over

    def _save(self) -> None:
        """Save what is pending: in the database, or in the journal while it is down."""
        with self.lock:
            batch, self.pending = self.pending, []
        if not batch:
            return
        try:
            keep_sent(batch)
        except Exception:  # neither database nor disk: keep it for the next round
            log.exception("could not save or journal %d sent SMS; trying again", len(batch))
            with self.lock:
                self.pending[:0] = batch

    def close(self) -> None:
        """Save what is left; returns when every acceptance handed over has been saved."""
        if self.thread is not None:
            self.stopping.set()
            self.thread.join()
