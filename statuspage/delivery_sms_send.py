"""SMS deliveries for the pump: claim the due ones a few at a time, prepare, send one.

The pump (statuspage.delivery_sms) decides when; these functions do the database and provider
work, with the same claim-then-save-at-once rules as every other channel (delivery_send).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from statuspage import messages
from statuspage.delivery_send import (
    Item,
    as_delivery_error,
    claim,
    load_items,
    mark_sent,
    reachable,
    record_failure,
)
from statuspage.extensions import db
from statuspage.models import Delivery, FanoutEvent, utcnow
from statuspage.models.deliveries import QUEUED
from statuspage.models.subscribers import SMS
from statuspage.notify.base import DeliveryError, SmsContent


def claim_size_for(rate: float) -> int:
    """Deliveries claimed per database round trip: about 100 ms of sending."""
    return max(1, min(50, math.ceil(rate / 4)))


@dataclass(frozen=True)
class PreparedSms:
    """A claimed SMS delivery with its text and recipient, ready for the provider."""

    item: Item
    content: SmsContent


def claim_due_sms(limit: int, now: datetime | None = None) -> list[int]:
    """Claim up to `limit` due SMS deliveries, the longest due first."""
    now = now or utcnow()
    # Served by ix_delivery_claim (channel, state, next_attempt_at).
    candidates = list(db.session.execute(
        select(Delivery.id)
        .where(Delivery.channel == SMS, Delivery.state == QUEUED,
               Delivery.next_attempt_at <= now)
        .order_by(Delivery.next_attempt_at)
        .limit(limit)
    ).scalars())
    db.session.commit()
    return claim(candidates, now) if candidates else []


def prepare_sms(delivery_ids: list[int], contents: dict[tuple[int, str], SmsContent]
                ) -> list[PreparedSms]:
    """Read claimed SMS deliveries and render their text, before the pacing point, so each
    provider call starts right on time. `contents` caches texts per (event, language).
    """
    prepared = []
    for item in reachable(load_items(delivery_ids)):
        key = (item.event_id, item.language)
        try:
            if key not in contents:
                contents[key] = messages.render_sms(db.session.get(FanoutEvent, item.event_id),
                                                    item.language)
        except Exception as error:  # recorded as a failure, never lost
            record_failure([item], as_delivery_error(error))
            continue
        prepared.append(PreparedSms(item, contents[key]))
    db.session.commit()  # end the read transaction before the wait
    return prepared


def send_prepared_sms(prepared: PreparedSms, channel: Any) -> DeliveryError | None:
    """Hand one SMS to the provider and save the outcome; the error when it failed."""
    try:
        provider_id = channel.send(prepared.content, prepared.item.recipient)
    except Exception as error:  # recorded as a failure, never lost
        failure = as_delivery_error(error)
        record_failure([prepared.item], failure)
        return failure
    mark_sent([prepared.item.delivery_id], provider_id)
    return None
