"""Uptime of a component, or of a group's components, over a range of days (Statuspage's
`components/{id}/uptime` and `component-groups/{id}/uptime`).

Built from the same daily roll-ups as the 90-day bars (statuspage.page.uptime), by the same
rule: a major outage counts fully, a partial outage at 30%, days before the component began
are not counted. A group's figure is the mean of its components'. The range is whole days in
the page's time zone, at most MAX_DAYS long (Statuspage's six calendar months), ending today
or earlier.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.models import Component, ComponentDay, Incident
from statuspage.page.record import get_page
from statuspage.page.uptime import DAYS, uptime_bars

# Six calendar months are at most 184 days.
MAX_DAYS = 184


@dataclass
class UptimeFigures:
    """The figures for one component or group over [first, last]."""

    first: date
    last: date
    uptime_percent: float
    major_seconds: int
    partial_seconds: int
    incident_ids: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def today() -> date:
    """Today in the page's time zone."""
    return datetime.now(ZoneInfo(get_page().time_zone)).date()


def _began(component: Component, zone: ZoneInfo) -> date:
    return component.start_date or component.created_at.astimezone(zone).date()


def uptime_between(components: Sequence[Component], first: date | None,
                   last: date | None) -> UptimeFigures:
    """Uptime of `components` (one, or a group's) from `first` to `last`, both included.

    `last` defaults to today, `first` to the latest of 90 days ago and the day the first of
    them began. A range that ends after today, starts after it ends or is longer than
    MAX_DAYS is refused (DomainError naming `start` or `end`).
    """
    zone = ZoneInfo(get_page().time_zone)
    now = today()
    last = last or now
    began = min((_began(c, zone) for c in components), default=now)
    first = first or max(now - timedelta(days=DAYS - 1), began)
    if last > now:
        raise DomainError("end must be today or earlier (in the page's time zone).", "end")
    if first > last:
        raise DomainError("start must be on or before end.", "start")
    days = (last - first).days + 1
    if days > MAX_DAYS:
        raise DomainError(f"The range is at most {MAX_DAYS} days (six months).", "start")
    figures = UptimeFigures(first=first, last=last, uptime_percent=100.0, major_seconds=0,
                            partial_seconds=0)
    if not components:
        figures.warnings.append("The group holds no components.")
        return figures
    if first < began:
        figures.warnings.append(f"Days before {began.isoformat()}, when it began, are not "
                                "counted.")
    bars = uptime_bars(components, last, days, zone)
    figures.uptime_percent = round(sum(b.uptime_percent for b in bars.values()) / len(bars), 4)
    for bar in bars.values():
        figures.major_seconds += sum(day.major_seconds for day in bar.days)
        figures.partial_seconds += sum(day.partial_seconds for day in bar.days)
    figures.incident_ids = _incidents(components, first, last)
    return figures


def _incidents(components: Sequence[Component], first: date, last: date) -> list[str]:
    """The public ids of the incidents that touched these components in the range."""
    lists = db.session.execute(
        select(ComponentDay.incident_ids).where(
            ComponentDay.component_id.in_([c.id for c in components]),
            ComponentDay.day >= first, ComponentDay.day <= last)
    ).scalars().all()
    ids = sorted({i for row in lists for i in (row or [])})
    if not ids:
        return []
    return list(db.session.execute(
        select(Incident.public_id).where(Incident.id.in_(ids)).order_by(Incident.id)
    ).scalars())
