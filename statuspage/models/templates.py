"""Message templates: ready wording per phase of an incident or maintenance.

A template's `body` is markdown with placeholders such as `{incident_title}`; `sms_body` is the
short wording for a text message. statuspage.incidents.templates validates and renders them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from statuspage.core.extensions import Model
from statuspage.models.types import UTCDateTime, new_public_id, utcnow

# The moments a template is written for: the incident statuses, the maintenance moments and the
# postmortem, in the order the console lists them.
TEMPLATE_PHASES = (
    "investigating",
    "identified",
    "monitoring",
    "resolved",
    "maintenance_scheduled",
    "maintenance_started",
    "maintenance_completed",
    "postmortem",
)


class MessageTemplate(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(12), unique=True, default=new_public_id)
    phase: Mapped[str] = mapped_column(String(32), index=True)
    # Unique so the composer's select and the audit log can name a template unambiguously.
    name: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(255), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    sms_body: Mapped[str] = mapped_column(String(480), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
