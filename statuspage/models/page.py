"""The page: one row of settings per installation, plus the cache version stamp."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, true
from sqlalchemy.orm import Mapped, mapped_column

from statuspage.core.extensions import Model
from statuspage.models.types import UTCDateTime, new_public_id, utcnow


class Page(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(12), unique=True, default=new_public_id)
    name: Mapped[str] = mapped_column(String(255))
    url: Mapped[str] = mapped_column(String(500))
    time_zone: Mapped[str] = mapped_column(String(64), default="Etc/UTC")
    logo_url: Mapped[str | None] = mapped_column(String(500))
    accent_color: Mapped[str] = mapped_column(String(7), default="#2563eb")
    # Bumped in the same transaction as every change a reader can see; web processes compare
    # it with the version their cached responses were built from.
    cache_version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Subscription channels open to the public, and the SMS anti-pumping settings.
    allow_email_subscribers: Mapped[bool] = mapped_column(default=True)
    allow_sms_subscribers: Mapped[bool] = mapped_column(default=True)
    allow_webhook_subscribers: Mapped[bool] = mapped_column(default=True)
    # Whether a visitor may follow one open incident ("Get updates on this incident", by
    # email or SMS where those channels are open); Statuspage's name for the setting.
    allow_incident_subscribers: Mapped[bool] = mapped_column(default=True,
                                                             server_default=true())
    # ISO 3166 alpha-2 region codes, comma separated, e.g. "US,CA,NO".
    sms_allowed_countries: Mapped[str] = mapped_column(String(500), default="US,CA,GB,NO")
    sms_daily_signup_budget: Mapped[int] = mapped_column(default=200)
    # ISO 3166 alpha-2 region a phone number without a country code is read in ("" : the
    # first of sms_allowed_countries).
    sms_default_country: Mapped[str] = mapped_column(String(2), default="", server_default="")
    email_footer: Mapped[str] = mapped_column(Text, default="")
