"""The delivery outbox: a fan-out marker per event and one delivery per recipient and channel."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from statuspage.core.extensions import Model
from statuspage.models.types import UTCDateTime, utcnow

# Delivery states, in the order a delivery moves through them.
QUEUED, SENDING, SENT, DELIVERED = "queued", "sending", "sent", "delivered"
FAILED, SUPPRESSED = "failed", "suppressed"
DELIVERY_STATES = (QUEUED, SENDING, SENT, DELIVERED, FAILED, SUPPRESSED)
# How far along a state is: receipts may arrive out of order, and the furthest one wins.
STATE_RANK = {QUEUED: 0, SENDING: 1, SENT: 2, DELIVERED: 3, FAILED: 3, SUPPRESSED: 3}


class FanoutEvent(Model):
    """Committed together with the update it announces; the worker expands it into deliveries.

    `cursor` is the last subscriber id expanded in pass `expansion_pass`, so an interrupted
    expansion resumes there; `lease_until` lets a periodic task take over the work of a worker
    that died. Pass 0 takes every recipient but the public email subscribers (SMS, webhooks,
    chat, stakeholder members), pass 1 those (delivery.expand).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # incident_update, maintenance_reminder, …
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"), index=True
    )
    update_id: Mapped[int | None] = mapped_column(
        ForeignKey("incident_update.id", ondelete="CASCADE"), index=True
    )
    # Which channels and audiences this event reaches, decided at publish time: `channels`
    # for the public subscribers, `routes` for stakeholder groups {group public_id: channels}.
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    routes: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict,
                                                         server_default=text("'{}'"))
    component_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    # A component_update event's change (component, old and new status, when), captured in
    # the transaction that made it: the component may change again or be deleted before the
    # worker sends, and the payload must describe this change. For the groups' notice of a
    # public update awaiting approval: {"awaiting_approval": true, "text": digest} (see
    # outbox.drafts). None for other events.
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending, expanding, done
    cursor: Mapped[int] = mapped_column(default=0)
    expansion_pass: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expanded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_fanout_event_state", "state", "lease_until"),)


class Delivery(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("fanout_event.id", ondelete="CASCADE"))
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscriber.id", ondelete="CASCADE"),
                                               index=True)
    channel: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default=QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    provider_message_id: Mapped[str | None] = mapped_column(String(128))
    last_error: Mapped[str | None] = mapped_column(Text)
    error_code: Mapped[str | None] = mapped_column(String(32))
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[FanoutEvent] = relationship()

    __table_args__ = (
        # The idempotency key: re-running an expansion can never create a second delivery.
        UniqueConstraint("event_id", "subscriber_id", "channel"),
        # Senders claim due work per channel and state; summaries count per event and state.
        Index("ix_delivery_claim", "channel", "state", "next_attempt_at"),
        Index("ix_delivery_event_state", "event_id", "state"),
        # GET /metrics: the hand-overs of the last minutes per channel (the latency histogram,
        # the SMS rate) are a range of this index, never a scan of every delivery.
        # Partial, as the next: a delivery enters it only once sent, so creating and
        # claiming a million deliveries writes two index entries fewer each (every query
        # of them names a value, which implies NOT NULL to both databases' planners).
        Index("ix_delivery_channel_sent", "channel", "sent_at",
              postgresql_where=text("sent_at IS NOT NULL"),
              sqlite_where=text("sent_at IS NOT NULL")),
        # Receipts find their delivery by the provider's message id.
        Index("ix_delivery_provider_message_id", "provider_message_id",
              postgresql_where=text("provider_message_id IS NOT NULL"),
              sqlite_where=text("provider_message_id IS NOT NULL")),
    )


class ProviderReceipt(Model):
    """Provider event ids already applied, so a webhook retried by the provider counts once."""

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (
        UniqueConstraint("provider", "event_id"),
        # The retention task deletes old receipts as a range of it (statuspage.privacy).
        Index("ix_provider_receipt_received_at", "received_at"),
    )


class OutboxMessage(Model):
    """What the log backend 'sent' (no provider credentials): shown in the console's dev outbox."""

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    to: Mapped[str] = mapped_column(String(2000))
    subject: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    html: Mapped[str] = mapped_column(Text, default="")
    headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
