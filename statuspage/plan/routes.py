"""Whom an event reaches: the plan's audiences and channels for it, and which event an update is.

`decide(severity, event_kind)` is the one computation that says which audiences and channels an
event reaches; the composer's preview and the fan-out both call it so they cannot disagree.
`event_kind_for` names the plan's event a public update stands for, for both of them too.
"""

from __future__ import annotations

from typing import NamedTuple

from statuspage.models import Incident, IncidentUpdate
from statuspage.models.plan import PUBLIC
from statuspage.plan.rules import _check, _group_names, load_plan


class Route(NamedTuple):
    """One audience an event reaches: "public" or a stakeholder group's public_id."""

    audience: str
    channels: tuple[str, ...]

    @property
    def is_public(self) -> bool:
        return self.audience == PUBLIC


def decide(severity: str, event_kind: str) -> list[Route]:
    """Which audiences hear `event_kind` at `severity` ("SEV1".."SEV4" or "maintenance").

    Public first, then stakeholder groups by name; audiences without a channel are left out.
    """
    _check(severity, event_kind)
    row = load_plan()[severity]
    names = _group_names()
    routes = [Route(audience, events[event_kind]) for audience, events in row.rules.items()
              if events.get(event_kind) and (audience == PUBLIC or audience in names)]
    return sorted(routes, key=lambda r: (not r.is_public, names.get(r.audience, "")))


# A maintenance update's status says which moment of the window it announces.
_MAINTENANCE_EVENT = {"scheduled": "maintenance_scheduled", "in_progress": "maintenance_started",
                      "verifying": "maintenance_started", "completed": "maintenance_completed"}


def event_kind_for(incident: Incident, update: IncidentUpdate) -> str:
    """The plan's event for a public update: opened, update or resolved (or the maintenance
    moment its status announces). The fan-out and the composer's preview both use this."""
    if incident.is_maintenance:
        return _MAINTENANCE_EVENT.get(update.status, "maintenance_scheduled")
    if update.status == "postmortem":
        return "postmortem_published"
    if update.status == "resolved":
        return "incident_resolved"
    earlier = [u for u in incident.public_updates if u is not update]
    return "incident_update" if earlier else "incident_opened"
