"""Automatic component status: the one thing a firing alert may change on the page by itself.

Only for components whose mapping opts in (`automatic`, Statuspage's component automation).
A firing alert moves the component to the mapping's status when that is worse than what it
shows, and remembers what it showed (AutomaticStatus); a worse alert later moves it further.
When no firing alert holds the component any more, it returns to the remembered status,
unless someone changed it meanwhile (it no longer shows what the alerts set): then it is left
as that person set it. Every change is in the audit log as made by "alert:<source name>",
and reaches webhook subscribers like any component change (Statuspage's component_update).
No incident is opened or published here: that stays a person's decision.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import exists, select

from statuspage import audit
from statuspage.core.extensions import db
from statuspage.incidents.updates import refresh_group_status
from statuspage.models import (
    AlertMatch,
    AlertSource,
    AutomaticStatus,
    Component,
    ComponentStatus,
    ReceivedAlert,
)
from statuspage.models.alerts import FIRING
from statuspage.outbox import publish as delivery


def _rank(status: str) -> int:
    try:
        return ComponentStatus(status).rank
    except ValueError:
        return 0


def _set(component: Component, status: str, now: datetime) -> str:
    old = component.status
    component.status = status
    component.updated_at = now
    if component.group is not None:
        refresh_group_status(component.group, now)
    delivery.create_component_fanout(component, old, now)
    return old


def apply(source: AlertSource, wanted: dict[int, str], alerts: dict[int, str],
          now: datetime) -> bool:
    """Set each component in `wanted` (id -> status the firing alerts ask for); `alerts`
    names the alert (fingerprint) behind each, for the audit log. Returns whether anything
    on the page changed."""
    changed = False
    for component_id, status in sorted(wanted.items()):
        component = db.session.get(Component, component_id)
        if component is None or component.is_group:
            continue
        hold = db.session.get(AutomaticStatus, component_id)
        if hold is None:
            if _rank(component.status) >= _rank(status):
                continue  # already as bad (someone set it): nothing to set, nothing to undo
            hold = AutomaticStatus(component_id=component_id, prior_status=component.status,
                                   applied_status=status, source_id=source.id, applied_at=now)
            db.session.add(hold)
        elif component.status != hold.applied_status or _rank(status) <= _rank(
                hold.applied_status):
            continue  # changed by hand since, or already as bad as this alert asks
        else:
            hold.applied_status, hold.applied_at = status, now
        old = _set(component, status, now)
        audit.record(None, "component.automatic_status", "component", component.public_id,
                     source=source.name, old_status=old, new_status=status,
                     alert=alerts.get(component_id))
        changed = True
    return changed


def release(component_ids: Iterable[int], now: datetime) -> bool:
    """Return the components no firing alert holds any more to their status before the
    alerts (unless changed by hand since). Returns whether anything on the page changed."""
    changed = False
    for component_id in sorted(set(component_ids)):
        hold = db.session.get(AutomaticStatus, component_id)
        if hold is None:
            continue
        held = db.session.scalar(select(exists().where(
            AlertMatch.component_id == component_id, AlertMatch.automatic.is_(True),
            AlertMatch.alert_id == ReceivedAlert.id, ReceivedAlert.status == FIRING)))
        if held:
            continue
        component = hold.component
        if component.status == hold.applied_status:
            _set(component, hold.prior_status, now)
            audit.record(None, "component.automatic_revert", "component", component.public_id,
                         old_status=hold.applied_status, new_status=hold.prior_status)
            changed = True
        else:
            audit.record(None, "component.automatic_release", "component",
                         component.public_id, status=component.status,
                         note="changed by hand while the alerts fired; left as it is")
        db.session.delete(hold)
    return changed
