"""What the plan will do for an incident declared at a severity, said before it is declared.

The composer shows it beside the severity picker: what the severity means, whether public
updates wait for approval, the response targets (first public update, cadence), and who hears
the opening, with recipient counts. The routes and counts come from statuspage.plan.reach, which
the fan-out itself asks, so the summary cannot promise what the fan-out would not do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from statuspage.models import Severity
from statuspage.plan import rules as plan
from statuspage.plan.reach import ReachLine, count_routing, routing

# The event an incident's first public update announces.
OPENING = "incident_opened"
INCIDENT_SEVERITIES = tuple(s.value for s in Severity)


@dataclass(frozen=True)
class SeveritySummary:
    """One severity's row of the plan as the composer explains it."""

    severity: str
    definition: str | None
    approval: bool
    first_update_minutes: int | None
    cadence_minutes: int | None
    # Who hears the opening update: one line per audience and channel, with its count.
    opening: list[ReachLine] = field(default_factory=list)

    @property
    def recipients(self) -> int:
        return sum(line.recipients for line in self.opening)


def summarize(severity: str, component_ids: Sequence[int] = ()) -> SeveritySummary:
    """The plan for an incident opened at `severity` affecting `component_ids`.

    Counts assume notifications are on: switching them off reaches no one, which the composer
    says on its own.
    """
    row = plan.load_plan()[severity]
    lines = count_routing(routing(severity, OPENING), sorted(component_ids))
    return SeveritySummary(severity=severity, definition=row.definition, approval=row.approval,
                           first_update_minutes=row.first_update_minutes,
                           cadence_minutes=row.cadence_minutes, opening=lines)


def summaries(component_ids: Sequence[int] = ()) -> list[SeveritySummary]:
    """A summary for each incident severity, SEV1 first (the composer switches between them)."""
    return [summarize(severity, component_ids) for severity in INCIDENT_SEVERITIES]

