"""An uploaded page logo, kept in the database so every web process on every machine serves it.

At most one row is kept (an upload replaces the last); it is addressed by the digest of its
bytes, so its URL changes with its content and browsers may cache it for good.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from statuspage.core.extensions import Model
from statuspage.models.types import UTCDateTime, utcnow


class PageLogo(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    # Hex blake2b of the bytes; the public URL is /logo/<digest>.<extension>.
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(32))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
