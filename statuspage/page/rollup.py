"""The page's overall status (indicator and description) as Statuspage computes it.

The roll-up follows component statuses, not incident impact; incidents only drive it on a page
without components. With several components the worst status is blended down when only a small
share of components is affected, which reproduces the observed `minor` / "Minor Service Outage"
for one partial outage among eleven components (statuspage-compat.md, 1.1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from statuspage.core.i18n import N_
from statuspage.models.status import ComponentStatus, worst

OPERATIONAL = N_("All Systems Operational")
MINOR_OUTAGE = N_("Minor Service Outage")
PARTIAL_OUTAGE = N_("Partial System Outage")
MAJOR_OUTAGE = N_("Major System Outage")
DEGRADED = N_("Degraded System Service")
PARTIALLY_DEGRADED = N_("Partially Degraded Service")
MAINTENANCE = N_("Service Under Maintenance")

# At or above this share of affected components the blend keeps the worst status's weight.
WIDESPREAD = 0.5

_IMPACT_STATUS = {
    "critical": ("critical", MAJOR_OUTAGE),
    "major": ("major", PARTIAL_OUTAGE),
    "minor": ("minor", MINOR_OUTAGE),
}


@dataclass(frozen=True)
class PageStatus:
    indicator: str
    description: str


def page_status(
    component_statuses: Sequence[str],
    unresolved_impacts: Sequence[str] = (),
    maintenance_active: bool = False,
) -> PageStatus:
    """Roll up leaf component statuses (groups excluded) into the page status."""
    statuses = [ComponentStatus(s) for s in component_statuses]
    if not statuses:
        return _without_components(unresolved_impacts, maintenance_active)
    worst_status = worst(statuses)
    if len(statuses) == 1:
        return _single(worst_status, maintenance_active)
    affected = [s for s in statuses if s.rank >= ComponentStatus.DEGRADED_PERFORMANCE.rank]
    widespread = len(affected) / len(statuses) >= WIDESPREAD
    if worst_status is ComponentStatus.MAJOR_OUTAGE:
        return (PageStatus("critical", MAJOR_OUTAGE) if widespread
                else PageStatus("major", PARTIAL_OUTAGE))
    if worst_status is ComponentStatus.PARTIAL_OUTAGE:
        return (PageStatus("major", PARTIAL_OUTAGE) if widespread
                else PageStatus("minor", MINOR_OUTAGE))
    if worst_status is ComponentStatus.DEGRADED_PERFORMANCE:
        return PageStatus("minor", DEGRADED if widespread else PARTIALLY_DEGRADED)
    if worst_status is ComponentStatus.UNDER_MAINTENANCE or maintenance_active:
        return PageStatus("maintenance", MAINTENANCE)
    return PageStatus("none", OPERATIONAL)


def _single(status: ComponentStatus, maintenance_active: bool) -> PageStatus:
    if status is ComponentStatus.MAJOR_OUTAGE:
        return PageStatus("critical", MAJOR_OUTAGE)
    if status is ComponentStatus.PARTIAL_OUTAGE:
        return PageStatus("major", PARTIAL_OUTAGE)
    if status is ComponentStatus.DEGRADED_PERFORMANCE:
        return PageStatus("minor", PARTIALLY_DEGRADED)
    if status is ComponentStatus.UNDER_MAINTENANCE or maintenance_active:
        return PageStatus("maintenance", MAINTENANCE)
    return PageStatus("none", OPERATIONAL)


def _without_components(impacts: Sequence[str], maintenance_active: bool) -> PageStatus:
    for impact in ("critical", "major", "minor"):
        if impact in impacts:
            return PageStatus(*_IMPACT_STATUS[impact])
    if maintenance_active:
        return PageStatus("maintenance", MAINTENANCE)
    if impacts:  # an open incident with impact "none" still means something is happening
        return PageStatus("minor", MINOR_OUTAGE)
    return PageStatus("none", OPERATIONAL)
