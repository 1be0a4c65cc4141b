"""The Slack thread of each incident in each bot-posted channel (issue 13).

The first message about an incident to a Slack channel destination reached with the bot token
starts a thread; its `ts` (Slack's id of that message) is kept here, keyed by the recipient
row and the incident, and every later message about the incident to that channel replies in
it (statuspage.delivery.chat_threads). A row with no `thread_ts` yet is a claim: one sender is
posting the thread's first message until `claimed_until`, and the others wait for its ts
instead of starting a second thread.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from statuspage.core.extensions import Model
from statuspage.models.types import UTCDateTime, utcnow


class ChatThread(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    # The destination (a stakeholder group's Slack channel's recipient row) and the incident.
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscriber.id", ondelete="CASCADE"))
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"),
                                             index=True)
    # Slack's ts of the thread's first message ("1712345678.000100"); None while claimed.
    thread_ts: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        # One thread per destination and incident: the claim's insert relies on it.
        UniqueConstraint("subscriber_id", "incident_id"),
    )
