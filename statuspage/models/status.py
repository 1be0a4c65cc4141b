"""The status vocabularies, with the exact strings the Statuspage API uses."""

from __future__ import annotations

from enum import StrEnum

from statuspage.core.i18n import N_


class ComponentStatus(StrEnum):
    OPERATIONAL = "operational"
    UNDER_MAINTENANCE = "under_maintenance"
    DEGRADED_PERFORMANCE = "degraded_performance"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"

    @property
    def rank(self) -> int:
        """Severity order used to pick the worst status (maintenance beats operational only)."""
        return _COMPONENT_RANK[self]

    @property
    def label(self) -> str:
        return _COMPONENT_LABEL[self]


_COMPONENT_RANK = {
    ComponentStatus.OPERATIONAL: 0,
    ComponentStatus.UNDER_MAINTENANCE: 1,
    ComponentStatus.DEGRADED_PERFORMANCE: 2,
    ComponentStatus.PARTIAL_OUTAGE: 3,
    ComponentStatus.MAJOR_OUTAGE: 4,
}
# Labels stay English here (the API and the feeds print them); N_ only marks them for the
# translators, and templating.status_label translates them for readers.
_COMPONENT_LABEL = {
    ComponentStatus.OPERATIONAL: N_("Operational"),
    ComponentStatus.UNDER_MAINTENANCE: N_("Under Maintenance"),
    ComponentStatus.DEGRADED_PERFORMANCE: N_("Degraded Performance"),
    ComponentStatus.PARTIAL_OUTAGE: N_("Partial Outage"),
    ComponentStatus.MAJOR_OUTAGE: N_("Major Outage"),
}


def worst(statuses: list[ComponentStatus] | tuple[ComponentStatus, ...]) -> ComponentStatus:
    return max(statuses, key=lambda s: s.rank, default=ComponentStatus.OPERATIONAL)


class IncidentStatus(StrEnum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"
    POSTMORTEM = "postmortem"


class MaintenanceStatus(StrEnum):
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    VERIFYING = "verifying"
    COMPLETED = "completed"


# Statuses after which an incident or maintenance is over.
CLOSED_STATUSES = frozenset({"resolved", "postmortem", "completed"})
ACTIVE_INCIDENT_STATUSES = ("investigating", "identified", "monitoring")
ACTIVE_MAINTENANCE_STATUSES = ("in_progress", "verifying")

# Display names used in feeds and on the page ("Update" is used when a status repeats).
STATUS_LABELS = {
    "investigating": N_("Investigating"),
    "identified": N_("Identified"),
    "monitoring": N_("Monitoring"),
    "resolved": N_("Resolved"),
    "postmortem": N_("Postmortem"),
    "scheduled": N_("Scheduled"),
    "in_progress": N_("In progress"),
    "verifying": N_("Verifying"),
    "completed": N_("Completed"),
}


class Severity(StrEnum):
    SEV1 = "SEV1"
    SEV2 = "SEV2"
    SEV3 = "SEV3"
    SEV4 = "SEV4"

    @property
    def impact(self) -> str:
        return _SEVERITY_IMPACT[self]


_SEVERITY_IMPACT = {
    Severity.SEV1: "critical",
    Severity.SEV2: "major",
    Severity.SEV3: "minor",
    Severity.SEV4: "none",
}

IMPACTS = ("none", "minor", "major", "critical", "maintenance")
# How the public page names an impact (translated where it is shown: the incident permalink,
# chat messages).
IMPACT_LABELS = {"none": N_("None"), "minor": N_("Minor"), "major": N_("Major"),
                 "critical": N_("Critical"), "maintenance": N_("Maintenance")}
