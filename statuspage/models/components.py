"""Components and component groups (one table, two levels, as the Statuspage API lists them)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from statuspage.core.extensions import Model
from statuspage.models.status import ComponentStatus
from statuspage.models.types import UTCDateTime, new_public_id, utcnow


class Component(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(12), unique=True, default=new_public_id)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(32), default=ComponentStatus.OPERATIONAL.value)
    # 1-based order within the parent (page root or group), as Statuspage numbers it.
    position: Mapped[int] = mapped_column(default=1)
    showcase: Mapped[bool] = mapped_column(default=True)
    only_show_if_degraded: Mapped[bool] = mapped_column(default=False)
    start_date: Mapped[date | None] = mapped_column(Date)
    is_group: Mapped[bool] = mapped_column(default=False)
    # Monthly uptime objective in percent (e.g. 99.9); None means no target.
    uptime_target: Mapped[float | None] = mapped_column(Float)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("component.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[Component | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Component]] = relationship(
        back_populates="group", order_by="Component.position"
    )

    @property
    def status_enum(self) -> ComponentStatus:
        return ComponentStatus(self.status)

    @property
    def display_name(self) -> str:
        """"Group - Component" for a grouped component, as Statuspage names affected components."""
        return f"{self.group.name} - {self.name}" if self.group else self.name


class ComponentDay(Model):
    """Daily roll-up of one component's status, in the page's time zone.

    The uptime bars read these rows instead of scanning incident history on each request;
    `statuspage.page.uptime` rewrites the rows an incident touches whenever it changes.
    """

    component_id: Mapped[int] = mapped_column(
        ForeignKey("component.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    worst_status: Mapped[str] = mapped_column(String(32), default=ComponentStatus.OPERATIONAL.value)
    major_seconds: Mapped[int] = mapped_column(Integer, default=0)
    partial_seconds: Mapped[int] = mapped_column(Integer, default=0)
    degraded_seconds: Mapped[int] = mapped_column(Integer, default=0)
    maintenance_seconds: Mapped[int] = mapped_column(Integer, default=0)
    incident_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
