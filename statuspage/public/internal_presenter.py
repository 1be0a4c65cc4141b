"""View model of the internal incident view: what a stakeholder member's link
(statuspage.plan.internal_links) shows them, without a console account.

Read-only. Unlike the public permalink it shows the incident while its opening update still
waits for approval, the internal updates beside the public ones, the severity with the plan's
definition of it, the components' current states, and what waits for approval ("not public
yet"). The public page leaves out exactly these, so the two never share a query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from statuspage.core.extensions import db
from statuspage.messages.templating import status_label
from statuspage.models import (
    Component,
    ComponentChange,
    Incident,
    IncidentUpdate,
    StakeholderMember,
)
from statuspage.models.incidents import DRAFT, PUBLISHED
from statuspage.page.record import get_page
from statuspage.plan import internal_links
from statuspage.plan import rules as plan
from statuspage.plan.internal_links import LinkRefused
from statuspage.public.presenters import STATUS_ICONS, SiteView, site_view

__all__ = ["InternalIncident", "LinkRefused", "Opened", "internal_incident", "open_link"]


@dataclass(frozen=True)
class ComponentState:
    name: str
    status: str
    status_label: str
    icon: str


@dataclass(frozen=True)
class Entry:
    """One update of the timeline; `changes` reads "API: Operational → Major outage"."""

    label: str
    at: datetime
    body: str
    internal: bool
    changes: list[str]


@dataclass(frozen=True)
class InternalIncident:
    site: SiteView
    member_name: str
    group_name: str
    public_id: str
    name: str
    is_maintenance: bool
    impact: str
    status_label: str
    severity: str | None
    severity_definition: str
    started_at: datetime
    resolved_at: datetime | None
    scheduled_for: datetime | None
    scheduled_until: datetime | None
    components: list[ComponentState]
    # Published updates, public and internal, newest first.
    updates: list[Entry]
    # Public updates waiting for approval (drafts), newest first: not public yet.
    pending: list[Entry]
    # The public permalink, once the public may see the incident; None before.
    public_url: str | None
    postmortem_url: str | None
    expires_at: datetime


@dataclass(frozen=True)
class Opened:
    """A link's member and incident, and until when the link opens them."""

    member: StakeholderMember
    incident: Incident
    expires_at: datetime


def open_link(token: str, now: float | None = None) -> Opened:
    """The member and the incident a link names, or LinkRefused (403 forged, 410 gone)."""
    member_id, incident_id, expires = internal_links.read_token(token, now)
    member = db.session.execute(
        select(StakeholderMember).where(StakeholderMember.public_id == member_id)
        .options(selectinload(StakeholderMember.group))
    ).scalar_one_or_none()
    if member is None:
        raise LinkRefused(gettext("This link no longer works: its recipient is no longer a "
                                  "stakeholder of this page."), 410)
    incident = db.session.execute(
        select(Incident).where(Incident.public_id == incident_id)
        .options(selectinload(Incident.updates).selectinload(IncidentUpdate.changes)
                 .selectinload(ComponentChange.component),
                 selectinload(Incident.components))
    ).scalar_one_or_none()
    if incident is None:
        raise LinkRefused(gettext("This incident no longer exists."), 410)
    return Opened(member, incident, expires)


def internal_incident(opened: Opened) -> InternalIncident:
    """The view of the incident for the member, written in the language being rendered."""
    member, incident = opened.member, opened.incident
    severity = None if incident.is_maintenance else incident.severity
    definition = ""
    if severity is not None:
        definition = (plan.load_plan()[plan.plan_severity(incident)].definition or "").strip()
    published = [u for u in incident.updates if u.state == PUBLISHED]
    pending = [u for u in incident.updates if u.state == DRAFT]
    base = str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/")
    public_url = (f"{base}/incidents/{incident.public_id}"
                  if not incident.awaiting_approval and incident.public_updates else None)
    return InternalIncident(
        site=site_view(get_page()),
        member_name=member.name,
        group_name=member.group.name,
        public_id=incident.public_id,
        name=incident.name,
        is_maintenance=incident.is_maintenance,
        impact=incident.impact,
        status_label=status_label(incident.status),
        severity=severity,
        severity_definition=definition,
        started_at=incident.started_at,
        resolved_at=incident.resolved_at,
        scheduled_for=incident.scheduled_for,
        scheduled_until=incident.scheduled_until,
        components=_components(incident, pending),
        updates=[_entry(u) for u in published],
        pending=[_entry(u) for u in pending],
        public_url=public_url,
        postmortem_url=(f"{public_url}#postmortem"
                        if public_url and incident.postmortem_published_at else None),
        expires_at=opened.expires_at,
    )


def _entry(update: IncidentUpdate) -> Entry:
    changes = [gettext("%(component)s: %(old)s → %(new)s", component=c.component.display_name,
                       old=status_label(c.old_status), new=status_label(c.new_status))
               if c.old_status != c.new_status else
               f"{c.component.display_name}: {status_label(c.new_status)}"
               for c in update.changes]
    return Entry(label=status_label(update.status), at=update.display_at, body=update.body,
                 internal=update.visibility == "internal", changes=changes)


def _components(incident: Incident, pending: list[IncidentUpdate]) -> list[ComponentState]:
    """The incident's components as they are now, and those a waiting update would change
    (an incident awaiting approval has none of its own yet)."""
    found: dict[int, Component] = {c.id: c for c in incident.components if not c.is_group}
    for update in reversed(pending):
        for change in update.changes:
            found.setdefault(change.component_id, change.component)
    return [ComponentState(c.display_name, c.status, status_label(c.status),
                           STATUS_ICONS.get(c.status, "!")) for c in found.values()]

