"""Component groups and components from Statuspage: created, or brought up to date.

Groups come first, so each component finds its group. Positions are Statuspage's own (1-based
within the page root or the group, groups numbered among the root's components), statuses
are the current ones, and a group then shows the worst status of its components as ours
always do. A component removed at Statuspage since the last run stays here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.incidents.updates import refresh_group_status
from statuspage.migration import values
from statuspage.migration.links import CREATE, UNCHANGED, Links
from statuspage.migration.report import Report
from statuspage.migration.source import Obj, Snapshot, fingerprint
from statuspage.models import Component, utcnow
from statuspage.models.migration import LINK_COMPONENT

MAX_NAME = 255


@dataclass
class ComponentMap:
    """Statuspage component and group ids -> ours, and each group's components."""

    local: dict[str, int] = field(default_factory=dict)
    children: dict[int, list[int]] = field(default_factory=dict)

    def leaves(self, source_ids: Any) -> list[int]:
        """Our ids of the components named (a group stands for its components); unknown ids
        are left out."""
        found: set[int] = set()
        for source_id in source_ids if isinstance(source_ids, list) else []:
            local = self.local.get(str(source_id))
            if local is None:
                continue
            found.update(self.children.get(local, [local]))
        return sorted(found)


def import_components(snapshot: Snapshot, report: Report, write: bool) -> ComponentMap:
    """Count (and unless `write` is False, save) the page's groups and components."""
    links = Links.load(LINK_COMPONENT, snapshot.page_id, Component.id)
    ordered = sorted(snapshot.components, key=lambda c: not c.get("group"))
    verdicts = [(obj, fingerprint(obj)) for obj in ordered if obj.get("id")]
    new = values.public_ids(Component.public_id, [
        str(obj["id"]) for obj, fp in verdicts if links.verdict(str(obj["id"]), fp) == CREATE])
    # A component names its group (group_id); a group lists its components too.
    member_of = {str(child): str(obj["id"]) for obj, _ in verdicts if obj.get("group")
                 for child in obj.get("components") or []}
    now = utcnow()
    touched_groups: set[int] = set()
    for obj, fp in verdicts:
        source_id = str(obj["id"])
        verdict = links.verdict(source_id, fp)
        report.tally("groups" if obj.get("group") else "components").add(verdict)
        if not write or verdict == UNCHANGED:
            continue
        local = links.local(source_id)
        component = (Component(public_id=new[source_id]) if local is None
                     else db.session.get(Component, local))
        assert component is not None  # live links name existing rows
        if local is None:
            db.session.add(component)
        parent = str(obj.get("group_id") or member_of.get(source_id) or "")
        touched_groups.add(component.group_id or 0)  # the group it may be leaving
        _fill(component, obj, links.local(parent) if parent else None, now)
        db.session.flush()
        links.keep(source_id, component.id, fp)
        touched_groups.add(component.id if component.is_group else component.group_id or 0)
    if write:
        db.session.flush()
        for group in db.session.execute(select(Component).where(
                Component.id.in_(touched_groups))).scalars():
            db.session.refresh(group, ["children"])
            refresh_group_status(group, now)
        db.session.commit()
    return _component_map(links)


def _fill(component: Component, obj: Obj, group_id: int | None, now: Any) -> None:
    is_group = bool(obj.get("group"))
    component.name = values.text(obj.get("name"), MAX_NAME) or "Component"
    component.description = values.text(obj.get("description")) or None
    component.is_group = is_group
    component.group_id = None if is_group else group_id
    if not is_group:
        component.status = values.component_status(obj.get("status"))
    position = obj.get("position")
    component.position = position if isinstance(position, int) and position > 0 else 1
    component.showcase = values.flag(obj.get("showcase")) if "showcase" in obj else not is_group
    component.only_show_if_degraded = values.flag(obj.get("only_show_if_degraded"))
    component.start_date = values.day(obj.get("start_date"))
    component.created_at = values.timestamp(obj.get("created_at")) or now
    component.updated_at = values.timestamp(obj.get("updated_at")) or now


def _component_map(links: Links) -> ComponentMap:
    mapping = ComponentMap({source: links.by_source[source].local_id for source in links.live})
    rows = db.session.execute(select(Component.id, Component.group_id, Component.is_group)).all()
    mapping.children = {row.id: [] for row in rows if row.is_group}
    for row in rows:
        if row.group_id in mapping.children:
            mapping.children[row.group_id].append(row.id)
    return mapping
