"""What the incident composer shows to help declare: severity definitions, what the plan does
for the chosen severity, and a warning when nobody is communications lead.

Everything is prepared here (the template only renders it). Without JavaScript the page shows
the summary of the severity selected when it was drawn (every re-render redraws it); with
static/console-declare.js it switches between the per-severity blocks as the picker changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from statuspage.console.forms_incidents import SEVERITY_CHOICES, IncidentForm
from statuspage.models import Incident
from statuspage.plan import rules as plan
from statuspage.plan.summary import SeveritySummary, summaries

SEVERITY_LABELS = {choice.value: choice.label for choice in SEVERITY_CHOICES}


@dataclass(frozen=True)
class DeclareAids:
    """The composer's declaring aids; `selected` is the severity whose block is shown."""

    summaries: list[SeveritySummary]
    labels: Mapping[str, str]
    selected: str
    lead_missing: bool
    notify_off: bool

    @property
    def defined(self) -> list[SeveritySummary]:
        """The severities the plan defines (the picker's description list)."""
        return [summary for summary in self.summaries if summary.definition]


def aids(form: IncidentForm, chosen: Mapping[int, str]) -> DeclareAids:
    """The aids for the composer as typed: its severity, lead, components and notify box."""
    return DeclareAids(
        summaries=summaries(sorted(chosen)),
        labels=SEVERITY_LABELS,
        selected=form.severity.data or "",
        lead_missing=not (form.comms_lead_id.data or "").strip(),
        notify_off=not form.deliver_notifications.data,
    )


def lead_missing(incident: Incident) -> bool:
    """Whether an open incident has a cadence but nobody to remind when an update is overdue."""
    if incident.is_closed or incident.is_maintenance or incident.comms_lead_id is not None:
        return False
    return plan.cadence_minutes(plan.plan_severity(incident)) is not None
