"""An imported incident's timeline: its updates and the component changes each one made.

Every Statuspage update becomes a published, public update (Statuspage has no internal ones),
shown at its `display_at`, with `deliver_notifications` kept for the record: nothing is sent
now, whatever it says. `affected_components` become the update's component changes (old and
new status, equal ones too, as Statuspage lists them). On a later run, an update Statuspage
still has is brought up to date, a new one added, and one imported before but gone from
Statuspage since is deleted; updates written here after the import are left alone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from statuspage.migration import values
from statuspage.migration.components import ComponentMap
from statuspage.migration.links import CREATE, UNCHANGED, Links
from statuspage.migration.report import Report
from statuspage.migration.source import Obj, fingerprint
from statuspage.models import ComponentChange, Incident, IncidentUpdate, new_public_id
from statuspage.models.incidents import PUBLISHED


def source_updates(obj: Obj) -> list[Obj]:
    updates = obj.get("incident_updates")
    return [u for u in updates if isinstance(u, dict) and u.get("id")] if isinstance(
        updates, list) else []


def count_updates(obj: Obj, links: Links, report: Report) -> None:
    """Tally an incident's updates without writing (dry runs, unchanged incidents)."""
    for update in source_updates(obj):
        report.tally("updates").add(links.verdict(str(update["id"]), fingerprint(update)))


def sync_updates(incident: Incident, obj: Obj, links: Links, components: ComponentMap,
                 public_ids: dict[str, str], report: Report
                 ) -> list[tuple[str, IncidentUpdate, str]]:
    """Make the incident's imported updates those of `obj` (see the module); returns the
    updates written, (Statuspage id, update, fingerprint) each, to link once flushed."""
    mine = {update.id: update for update in incident.updates}
    kept: set[int] = set()
    written: list[tuple[str, IncidentUpdate, str]] = []
    for source in source_updates(obj):
        source_id, fp = str(source["id"]), fingerprint(source)
        local = links.local(source_id)
        verdict = links.verdict(source_id, fp) if local in mine else CREATE
        report.tally("updates").add(verdict)
        if verdict == UNCHANGED and local is not None:
            kept.add(local)
            continue
        update = mine.get(local) if local is not None else None
        if update is None:
            update = IncidentUpdate(public_id=public_ids.get(source_id) or new_public_id())
            incident.updates.append(update)
        _fill(update, source, incident, components)
        written.append((source_id, update, fp))
    current = kept | {update.id for _, update, _ in written if update.id is not None}
    for update in list(incident.updates):
        gone = (links.source_of(update.id)
                if update.id is not None and update.id not in current else None)
        if gone is not None:  # imported before, no longer at Statuspage
            links.forget(gone)
            incident.updates.remove(update)
    return written


def _fill(update: IncidentUpdate, source: Obj, incident: Incident,
          components: ComponentMap) -> None:
    created = values.timestamp(source.get("created_at"))
    shown = values.timestamp(source.get("display_at")) or created or incident.created_at
    update.status = values.text(source.get("status"), 32) or incident.status
    update.body = values.text(source.get("body"))
    update.visibility = "public"
    update.state = PUBLISHED
    update.deliver_notifications = source.get("deliver_notifications") is not False
    update.display_at = shown
    update.created_at = created or shown
    update.updated_at = values.timestamp(source.get("updated_at")) or update.created_at
    update.published_at = update.created_at
    update.changes = _changes(source.get("affected_components"), components)


def _changes(affected: Any, components: ComponentMap) -> list[ComponentChange]:
    changes = []
    for item in affected if isinstance(affected, list) else []:
        if not isinstance(item, dict):
            continue
        local = components.local.get(str(item.get("code")))
        if local is None or local in components.children:  # unknown, or a group
            continue
        changes.append(ComponentChange(
            component_id=local,
            old_status=values.component_status(item.get("old_status")),
            new_status=values.component_status(item.get("new_status"))))
    return changes


def earliest(incident: Incident) -> datetime:
    """When the incident's timeline begins (for the uptime roll-ups to rewrite from)."""
    return min([incident.started_at, *(u.display_at for u in incident.updates)])
