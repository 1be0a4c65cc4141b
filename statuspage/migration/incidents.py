"""Incidents and scheduled maintenances from Statuspage, with their timelines and postmortems.

Written as they happened, straight to the models (like the demo seed's history): no plan, no
approval, no fan-out, so nothing is sent. A Statuspage impact becomes a severity (critical
SEV1 ... none SEV4) and the API shows the same impact again; a maintenance keeps its impact
as an override when it is not "maintenance". A postmortem comes with its text, whether
published (and when) and whether subscribers were told. An upcoming maintenance keeps its
automation (start, complete, set its components under maintenance, the reminder an hour
before), so this page carries it out; a reminder already due or sent is not sent again.
Afterwards the uptime roll-ups of the components touched are rewritten from the history.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.migration import values
from statuspage.migration.components import ComponentMap
from statuspage.migration.incident_updates import (
    count_updates,
    earliest,
    source_updates,
    sync_updates,
)
from statuspage.migration.links import CREATE, UNCHANGED, Links
from statuspage.migration.progress import Progress
from statuspage.migration.report import Report
from statuspage.migration.source import Obj, Snapshot, fingerprint
from statuspage.models import (
    INCIDENT,
    MAINTENANCE,
    Component,
    Incident,
    IncidentStatus,
    IncidentUpdate,
    MaintenanceStatus,
    utcnow,
)
from statuspage.models.migration import LINK_INCIDENT, LINK_UPDATE
from statuspage.models.status import IMPACTS
from statuspage.page import uptime
from statuspage.page.record import get_page

# Incidents per commit: a crash loses at most this many, and the next run redoes them.
BATCH = 50
INCIDENT_STATUSES = frozenset(s.value for s in IncidentStatus)
MAINTENANCE_STATUSES = frozenset(s.value for s in MaintenanceStatus)
# Statuspage's "remind subscribers" is always 60 minutes before the start.
REMIND_MINUTES = 60


def incident_fingerprint(obj: Obj) -> str:
    """The incident's hash, leaving out its components' current state (which changes with
    every status change of the component, not of the incident)."""
    listed = obj.get("components")
    ids = [c.get("id") for c in listed if isinstance(c, dict)] if isinstance(listed, list) else []
    return fingerprint({**obj, "components": ids})


def is_maintenance(obj: Obj) -> bool:
    return bool(obj.get("scheduled_for")) or obj.get("status") in MAINTENANCE_STATUSES


def import_incidents(snapshot: Snapshot, report: Report, components: ComponentMap,
                     progress: Progress, write: bool) -> None:
    """Count (and unless `write` is False, save) the page's incidents and maintenances."""
    links = Links.load(LINK_INCIDENT, snapshot.page_id, Incident.id)
    update_links = Links.load(LINK_UPDATE, snapshot.page_id, IncidentUpdate.id)
    work = [(obj, incident_fingerprint(obj)) for obj in snapshot.incidents if obj.get("id")]
    creating = [str(o["id"]) for o, fp in work if links.verdict(str(o["id"]), fp) == CREATE]
    new = values.public_ids(Incident.public_id, creating)
    report.redirected = sum(1 for source_id in creating if new[source_id] != source_id)
    update_ids = values.public_ids(IncidentUpdate.public_id, [
        str(u["id"]) for o, fp in work if links.verdict(str(o["id"]), fp) != UNCHANGED
        for u in source_updates(o) if str(u["id"]) not in update_links.live])
    now = utcnow()
    spans: dict[int, date] = {}
    zone = ZoneInfo(get_page().time_zone)
    # Every component once (a page has tens): each incident's list is built from these.
    known = {c.id: c for c in db.session.execute(select(Component)).scalars()}
    pending: list[tuple[Links, str, Incident | IncidentUpdate, str]] = []
    progress.begin("Incidents and maintenances", len(work))
    for number, (obj, fp) in enumerate(work, 1):
        source_id = str(obj["id"])
        verdict = links.verdict(source_id, fp)
        report.tally("maintenances" if is_maintenance(obj) else "incidents").add(verdict)
        if not write or verdict == UNCHANGED:
            count_updates(obj, update_links, report)
        else:
            incident = _incident(links.local(source_id), new.get(source_id))
            _fill(incident, obj, components, known, now)
            pending.append((links, source_id, incident, fp))
            pending.extend((update_links, *written) for written in sync_updates(
                incident, obj, update_links, components, update_ids, report))
            _note_span(incident, spans, zone)
        progress.advance()
        if write and (number % BATCH == 0 or number == len(work)):
            _save(pending)
    progress.end()
    if write:
        _refresh_uptime(spans, zone, now)
        db.session.commit()


def _save(pending: list[tuple[Links, str, Incident | IncidentUpdate, str]]) -> None:
    """Write a batch: the rows first (their ids), then their links, in one commit."""
    db.session.flush()
    for links, source_id, row, fp in pending:
        links.keep(source_id, row.id, fp)
    pending.clear()
    db.session.commit()


def _incident(local: int | None, public_id: str | None) -> Incident:
    if local is not None:
        found = db.session.get(Incident, local)
        assert found is not None  # live links name existing rows
        return found
    incident = Incident(public_id=public_id)
    db.session.add(incident)
    return incident


def _fill(incident: Incident, obj: Obj, components: ComponentMap,
          known: dict[int, Component], now: datetime) -> None:
    maintenance = is_maintenance(obj)
    incident.kind = MAINTENANCE if maintenance else INCIDENT
    incident.name = values.text(obj.get("name"), 255) or "Incident"
    resolved = values.timestamp(obj.get("resolved_at"))
    incident.status = _status(obj.get("status"), maintenance, resolved is not None)
    impact = obj.get("impact")
    override = obj.get("impact_override")
    if maintenance:
        incident.severity = None
        incident.impact_override = override if override in IMPACTS else (
            impact if impact in IMPACTS and impact != "maintenance" else None)
    else:
        incident.severity = values.SEVERITY_OF_IMPACT.get(str(impact), "SEV4")
        incident.impact_override = override if override in IMPACTS else (
            "maintenance" if impact == "maintenance" else None)
    created = values.timestamp(obj.get("created_at")) or now
    incident.created_at = created
    incident.started_at = values.timestamp(obj.get("started_at")) or created
    incident.updated_at = values.timestamp(obj.get("updated_at")) or created
    incident.monitoring_at = values.timestamp(obj.get("monitoring_at"))
    incident.resolved_at = resolved
    incident.scheduled_for = values.timestamp(obj.get("scheduled_for"))
    incident.scheduled_until = values.timestamp(obj.get("scheduled_until"))
    incident.awaiting_approval = False
    _postmortem(incident, obj)
    _automation(incident, obj, now)
    listed = obj.get("components")
    ids = [components.local.get(str(c.get("id"))) for c in listed
           if isinstance(c, dict)] if isinstance(listed, list) else []
    wanted = [i for i in dict.fromkeys(ids) if i is not None and i not in components.children]
    incident.components = [known[i] for i in wanted if i in known]


def _status(value: object, maintenance: bool, resolved: bool) -> str:
    allowed = MAINTENANCE_STATUSES if maintenance else INCIDENT_STATUSES
    if value in allowed:
        return str(value)
    if maintenance:
        return "completed" if resolved else "scheduled"
    return "resolved" if resolved else "investigating"


def _postmortem(incident: Incident, obj: Obj) -> None:
    body = obj.get("postmortem_body")
    incident.postmortem_body = body if isinstance(body, str) and body else None
    incident.postmortem_updated_at = values.timestamp(obj.get("postmortem_body_last_updated_at"))
    published = obj.get("postmortem_published_at")
    # A timestamp on the pages seen; some client typings have it as a boolean.
    incident.postmortem_published_at = values.timestamp(published) or (
        incident.postmortem_updated_at or incident.resolved_at or incident.updated_at
        if published is True and incident.postmortem_body else None)
    incident.postmortem_notified = values.flag(obj.get("postmortem_notified_subscribers"))


def _automation(incident: Incident, obj: Obj, now: datetime) -> None:
    """An upcoming window's automation; none for a window already over."""
    start, end = incident.scheduled_for, incident.scheduled_until
    upcoming = incident.kind == MAINTENANCE and end is not None and end > now
    incident.auto_start = upcoming and (values.flag(obj.get("scheduled_auto_in_progress"))
                                        or values.flag(obj.get("scheduled_auto_transition")))
    incident.auto_complete = upcoming and values.flag(obj.get("scheduled_auto_completed"))
    incident.auto_transition_components = upcoming and values.flag(
        obj.get("auto_transition_to_maintenance_state"))
    remind = upcoming and values.flag(obj.get("scheduled_remind_prior"))
    incident.remind_before_minutes = REMIND_MINUTES if remind else None
    reminded = values.timestamp(obj.get("scheduled_reminded_at"))
    if remind and reminded is None and start is not None and (
            start - timedelta(minutes=REMIND_MINUTES) <= now):
        reminded = now  # due already: Statuspage reminded, or it is too late to
    incident.reminded_at = reminded


def _note_span(incident: Incident, spans: dict[int, date], zone: ZoneInfo) -> None:
    first = earliest(incident).astimezone(zone).date()
    touched: Sequence[int] = [c.id for c in incident.components] + [
        change.component_id for update in incident.updates for change in update.changes]
    for component_id in touched:
        spans[component_id] = min(spans.get(component_id, first), first)


def _refresh_uptime(spans: dict[int, date], zone: ZoneInfo, now: datetime) -> None:
    """Rewrite each touched component's daily roll-ups from its first imported day on."""
    today = now.astimezone(zone).date()
    for component_id, first in spans.items():
        uptime.refresh_days(component_id, min(first, today), today, zone, now)
