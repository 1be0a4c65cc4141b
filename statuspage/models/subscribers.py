"""Subscribers: every recipient of the fan-out, by email, SMS or webhook.

Most are the public audience (self-service, double opt-in). A row with `incident_id` follows
one incident only (statuspage.subscriptions.follows): a public subscriber too, but reached by
that incident's public updates alone, until the follow ends. A row with `stakeholder_member_id`
is a stakeholder group member's address for one channel instead: created, changed and deleted
with the member by statuspage.plan.stakeholder_recipients, never shown or counted as a public
subscriber (`Subscriber.public()`), and reached only when the plan routes an event to the
member's group.
One recipient table keeps the whole pipeline (expansion, senders, SMS pump, receipts, retries,
crash recovery, delivery log) the same for both audiences.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Column,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from statuspage.core.extensions import Model, db
from statuspage.models.components import Component
from statuspage.models.types import UTCDateTime, new_public_id, utcnow

if TYPE_CHECKING:
    from statuspage.models.incidents import Incident

EMAIL, SMS, WEBHOOK = "email", "sms", "webhook"
CHANNELS = (EMAIL, SMS, WEBHOOK)
# Chat destinations (incoming webhooks of Slack, Microsoft Teams Workflows, Discord, Google
# Chat): a recipient row's channel is its provider.
SLACK, TEAMS, DISCORD, GOOGLE_CHAT = "slack", "teams", "discord", "googlechat"
CHAT_CHANNELS = (SLACK, TEAMS, DISCORD, GOOGLE_CHAT)
# The communication plan names chat as one channel, "chat": every provider's destinations
# (statuspage.plan.audience expands it to CHAT_CHANNELS). PLAN_CHANNELS is what a plan names.
CHAT = "chat"
PLAN_CHANNELS = (EMAIL, SMS, WEBHOOK, CHAT)
# consent_source of a stakeholder member's recipient rows: added by staff, no opt-in.
STAKEHOLDER_SOURCE = "stakeholder"
# Why a subscriber no longer receives messages.
SUPPRESSION_REASONS = ("user", "stop", "bounce", "spam_report", "dropped", "provider_error",
                       "admin", "destination_gone", "ended")
# The reason of a follow ended because its incident is over (subscriptions.follows).
FOLLOW_ENDED = "ended"

subscriber_component = Table(
    "subscriber_component",
    db.metadata,
    Column("subscriber_id", ForeignKey("subscriber.id", ondelete="CASCADE"), primary_key=True),
    Column("component_id", ForeignKey("component.id", ondelete="CASCADE"), primary_key=True),
)


class Subscriber(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(12), unique=True, default=new_public_id)
    channel: Mapped[str] = mapped_column(String(16))
    # Normalised: lower-case email, E.164 phone number, or https URL.
    address: Mapped[str] = mapped_column(String(2000))
    language: Mapped[str] = mapped_column(String(16), default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Consent record: where, when and from which IP the subscriber said yes.
    consent_source: Mapped[str] = mapped_column(String(32), default="page")
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_ip: Mapped[str | None] = mapped_column(String(64))
    # How consent was obtained when it was not given on this page (console add or import).
    consent_note: Mapped[str | None] = mapped_column(String(500))
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suppressed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suppression_reason: Mapped[str | None] = mapped_column(String(32))
    # SMS double opt-in: hash of the 6-digit code, its expiry and the attempts left.
    code_hash: Mapped[str | None] = mapped_column(String(128))
    code_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    code_attempts: Mapped[int] = mapped_column(default=0)
    # A chat destination's webhook URL (channel in CHAT_CHANNELS), sealed (core.sealing): the
    # URL is a bearer credential, so it is never stored in clear; `address` then holds its
    # keyed fingerprint (core.sealing.fingerprint of the URL checked by notify.chat), which
    # keeps the one-subscription-per-address rule and lookups working. NULL for other channels.
    destination: Mapped[str | None] = mapped_column(Text)
    # Webhook signing secret (HMAC-SHA256 over the body), shown to the subscriber once.
    secret: Mapped[str | None] = mapped_column(String(128))
    # Bumped to invalidate every manage/unsubscribe link already sent.
    token_version: Mapped[int] = mapped_column(default=1)
    # Set on a stakeholder member's rows (one per channel the member has); NULL for the public.
    stakeholder_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("stakeholder_member.id", ondelete="CASCADE"), index=True)
    # When this number was last sent an SMS carrying the opt-out wording ("Reply STOP to
    # unsubscribe"); None: never, so its next message must carry it.
    opt_out_notice_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the personal data was erased (retention or an erasure request): the row is then an
    # anonymous opt-out record, its address a keyed hash (statuspage.subscriptions.erasure).
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set on a follower's row: it hears of this incident only ("Get updates on this
    # incident"), never of others; NULL for a page-wide subscription.
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"))

    components: Mapped[list[Component]] = relationship(secondary=subscriber_component)
    incident: Mapped[Incident | None] = relationship()

    __table_args__ = (
        # One page-wide public subscription per address; a stakeholder's address may also
        # subscribe publicly (and sit in several groups), and follow incidents, so the rule
        # holds for page-wide public rows only. Partial unique indexes (SQLite and PostgreSQL
        # both have them): a plain UNIQUE over a NULL incident_id would never collide, as NULLs
        # are distinct. It also serves the fan-out's "already reached page-wide" check.
        Index("uq_subscriber_public_address", "channel", "address", unique=True,
              sqlite_where=text("stakeholder_member_id IS NULL AND incident_id IS NULL"),
              postgresql_where=text("stakeholder_member_id IS NULL AND incident_id IS NULL")),
        # One follow per address and incident; incident first, as the fan-out, the reach
        # preview and the console's follower count read one incident's followers.
        Index("uq_subscriber_incident_address", "incident_id", "channel", "address",
              unique=True, sqlite_where=text("incident_id IS NOT NULL"),
              postgresql_where=text("incident_id IS NOT NULL")),
        # A member has at most one row per channel (NULLs are distinct: public rows pass).
        UniqueConstraint("stakeholder_member_id", "channel"),
        # Fan-out streams active subscribers of a channel by id.
        Index("ix_subscriber_fanout", "channel", "id"),
    )

    @classmethod
    def public(cls) -> ColumnElement[bool]:
        """Self-service subscribers only: every public list, count, search, export and
        sign-up lookup filters with this, so stakeholder rows never show up there."""
        return cls.stakeholder_member_id.is_(None)

    @classmethod
    def page_wide(cls) -> ColumnElement[bool]:
        """Subscriptions to the whole page, not follows of one incident."""
        return cls.incident_id.is_(None)

    @property
    def is_follower(self) -> bool:
        return self.incident_id is not None

    @property
    def is_stakeholder(self) -> bool:
        return self.stakeholder_member_id is not None

    @property
    def is_active(self) -> bool:
        return (self.confirmed_at is not None and self.unsubscribed_at is None
                and self.suppressed_at is None)

    @property
    def state(self) -> str:
        if self.suppressed_at is not None:
            return "suppressed"
        if self.unsubscribed_at is not None:
            return "unsubscribed"
        return "active" if self.confirmed_at is not None else "unconfirmed"


class SmsCodeDay(Model):
    """How many SMS confirmation codes were sent on one UTC day: the daily SMS budget.

    A row in the database rather than a counter in memory, so every web process spends from
    the same budget; it is incremented atomically with a guard (see subscription_budget).
    """

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    sent: Mapped[int] = mapped_column(default=0)
