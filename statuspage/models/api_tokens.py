"""API tokens for the management API (/api/v1): stored hashed, scoped, revocable."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from statuspage.core.extensions import Model
from statuspage.models.types import UTCDateTime, new_public_id, utcnow
from statuspage.models.users import User

SCOPES = ("read", "write")


class ApiToken(Model):
    """A token for automation. Only the SHA-256 of the token is kept; the clear token is shown
    once, when it is created, and cannot be recovered afterwards."""

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(12), unique=True, default=new_public_id)
    name: Mapped[str] = mapped_column(String(100))
    scope: Mapped[str] = mapped_column(String(8), default="read")
    # Hex SHA-256 of the whole clear token; unique, so authentication is one indexed lookup.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the clear token ("sp_AbCd"), so people can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[User | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def can_write(self) -> bool:
        return self.scope == "write"
