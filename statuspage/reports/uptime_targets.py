"""Components' monthly uptime against their targets: the report's rows, and setting them.

A row is a component's uptime over the month's days so far, from the daily roll-ups
(statuspage.page.uptime); it misses its target when it falls below. A target is a percentage
an admin sets per component from the reports page (None: no target).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from statuspage import audit
from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.core.transaction import use_case
from statuspage.models import Component, User
from statuspage.page import queries, uptime
from statuspage.reports.month import Month


@dataclass(frozen=True)
class UptimeRow:
    component_id: int
    name: str
    percent: float
    target: float | None

    @property
    def missed(self) -> bool:
        return self.target is not None and self.percent < self.target


def _uptime(month: Month, today: date, zone: ZoneInfo) -> list[UptimeRow]:
    """Each component's uptime over the month's days so far, from the daily roll-ups."""
    if month.first_day > today:
        return []
    last = min(month.last_day, today)
    leaves = [c for c in queries.ordered_components() if not c.is_group]
    days = (last - month.first_day).days + 1
    bars = uptime.uptime_bars(leaves, last, days=days, zone=zone)
    return [UptimeRow(c.id, c.display_name, bars[c.id].uptime_percent, c.uptime_target)
            for c in leaves]


@use_case
def set_uptime_targets(targets: dict[int, float | None], actor: User | None) -> int:
    """Set components' monthly uptime targets (percent, None for no target).

    Returns how many targets changed.
    """
    changed = 0
    for component_id, target in targets.items():
        component = db.session.get(Component, component_id)
        if component is None or component.is_group:
            raise DomainError("A chosen component no longer exists.", f"target-{component_id}")
        if target is not None and not (0 < target <= 100):
            raise DomainError("An uptime target is a percentage above 0 and up to 100.",
                              f"target-{component_id}")
        if component.uptime_target != target:
            audit.record(actor, "component.uptime_target", "component", component.public_id,
                         old=component.uptime_target, new=target)
            component.uptime_target = target
            changed += 1
    db.session.commit()
    return changed
