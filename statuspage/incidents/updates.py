"""How one update lands on its incident: checked, then published or held as a draft.

UpdateInput is what every caller fills in. `add_update` checks it and either publishes it
(the incident's status and its components' statuses change, each group shows its worst
component, and the fan-out marker is added to commit with the update) or keeps it as a draft
whose component changes wait for approval; `finish_incident` then commits once. The incident
use-cases (incidents.lifecycle), the maintenance ones (incidents.maintenance), approvals,
drafts and component editing share these pieces, so an update means the same thing however
it arrives and whenever it is published.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.incidents.templates import update_sms
from statuspage.models import (
    Component,
    ComponentChange,
    ComponentStatus,
    Incident,
    IncidentUpdate,
    User,
)
from statuspage.models.incidents import DRAFT
from statuspage.models.status import worst
from statuspage.outbox import publish as delivery
from statuspage.page import uptime
from statuspage.page.record import touch_page

MAX_BODY = 25_000


@dataclass
class UpdateInput:
    """One update: the new status, its text and the component statuses it sets."""

    status: str
    body: str = ""
    # component id -> status after this update; every key is an affected component.
    component_statuses: Mapping[int, str] = field(default_factory=dict)
    deliver_notifications: bool = True
    display_at: datetime | None = None
    visibility: str = "public"
    # The SMS wording chosen in the composer (incidents.templates.update_sms checks it).
    sms_body: str | None = None


def add_update(
    incident: Incident, data: UpdateInput, actor: User | None, now: datetime,
    draft: bool = False,
) -> IncidentUpdate:
    if len(data.body) > MAX_BODY:
        raise DomainError(f"The message is longer than {MAX_BODY} characters.", "body")
    if data.visibility not in ("public", "internal"):
        raise DomainError("Visibility must be public or internal.", "visibility")
    if data.display_at is not None and data.display_at > now + timedelta(minutes=5):
        raise DomainError("An update cannot be dated in the future.", "display_at")
    components = load_components(list(data.component_statuses))
    update = IncidentUpdate(
        status=data.status,
        body=data.body.strip(),
        visibility=data.visibility,
        deliver_notifications=data.deliver_notifications,
        sms_body=update_sms(data.sms_body),
        display_at=data.display_at or now,
        created_at=now,
        updated_at=now,
        author_id=actor.id if actor is not None else None,
    )
    incident.updates.append(update)
    if draft:
        # The intended component statuses wait on the draft (old status filled in, and
        # applied, on approval); drafts are outside public_updates, so roll-ups ignore them.
        update.state = DRAFT
        for component_id, new_status in data.component_statuses.items():
            check_component_status(components[component_id], new_status)
            update.changes.append(ComponentChange(component=components[component_id],
                                                  old_status=components[component_id].status,
                                                  new_status=new_status))
        delivery.create_group_fanout(update)  # internal first: the groups hear of it now
        return update
    update.published_at = now
    if data.visibility == "public":
        apply_status(incident, data.status, update.display_at)
        for component_id, new_status in data.component_statuses.items():
            _change_component(update, components[component_id], new_status, now)
            if components[component_id] not in incident.components:
                incident.components.append(components[component_id])
    incident.updated_at = now
    if data.deliver_notifications:
        # The outbox marker commits with the update; the worker expands it after the commit.
        # An internal update reaches the stakeholder groups the plan names, never the public.
        delivery.create_fanout(update)
    return update


def apply_status(incident: Incident, status: str, at: datetime) -> None:
    incident.status = status
    if status in ("monitoring", "verifying") and incident.monitoring_at is None:
        incident.monitoring_at = at
    if status in ("resolved", "completed") and incident.resolved_at is None:
        incident.resolved_at = at
    if status == "in_progress" and incident.is_maintenance:
        incident.started_at = at


def _change_component(
    update: IncidentUpdate, component: Component, new_status: str, now: datetime
) -> None:
    check_component_status(component, new_status)
    update.changes.append(
        ComponentChange(component=component, old_status=component.status, new_status=new_status)
    )
    if component.status != new_status:
        old_status = component.status
        component.status = new_status
        component.updated_at = now
        if component.group is not None:
            refresh_group_status(component.group, now)
        if update.deliver_notifications:  # webhooks also get Statuspage's component_update
            delivery.create_component_fanout(component, old_status, now)


def check_component_status(component: Component, new_status: str) -> None:
    if new_status not in {s.value for s in ComponentStatus}:
        raise DomainError(f"Unknown component status {new_status!r}.", "components")
    if component.is_group:
        raise DomainError("Choose components, not groups, to change.", "components")


def refresh_group_status(group: Component, now: datetime) -> None:
    """A group shows the worst status of its components."""
    status = worst([ComponentStatus(c.status) for c in group.children]).value
    if group.status != status:
        group.status = status
        group.updated_at = now


def load_components(ids: list[int]) -> dict[int, Component]:
    if not ids:
        return {}
    found = db.session.execute(select(Component).where(Component.id.in_(ids))).scalars().all()
    by_id = {c.id: c for c in found}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise DomainError("A chosen component no longer exists.", "components")
    return by_id


def finish_incident(incident: Incident, draft: bool = False) -> Incident:
    """Commit; unless only a draft was saved (nothing public changed: no roll-up, no touch)."""
    if not draft:
        uptime.refresh_incident(incident)
        touch_page()
    db.session.commit()
    return incident
