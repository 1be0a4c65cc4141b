"""The console dashboard: what waits for approval, incidents proposed by monitoring, open
incidents with their cadence, and maintenance, kept current without a reload.

The approvals section refreshes itself (approval_views, console-refresh.js); the incidents
and maintenance sections come from `dashboard_live`, which console-refresh.js polls, so a
SEV1 declared by a colleague shows up on an open dashboard without anyone reloading it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import make_response, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from statuspage.console import approval_views, bp, proposal_cards
from statuspage.console.access import require_role
from statuspage.console.auth_views import detail_url, display_zone
from statuspage.delivery import health as delivery_health
from statuspage.incidents import cadence
from statuspage.models import MAINTENANCE, Incident, utcnow
from statuspage.page import queries

_OPEN_MAINTENANCE = ("scheduled", "in_progress", "verifying")


@dataclass(frozen=True)
class DashboardItem:
    """One open incident or maintenance as the dashboard lists it."""

    public_id: str
    name: str
    status: str
    severity: str | None
    started_at: datetime
    scheduled_for: datetime | None
    scheduled_until: datetime | None
    last_update_at: datetime | None
    components: list[str]
    url: str | None
    # Declared, but its opening update waits for approval: the public does not see it yet.
    not_public: bool = False


def _item(incident: Incident, endpoint: str) -> DashboardItem:
    # The newest update the public saw, when it saw it: drafts and internal notes are not
    # public updates (an incident waiting for approval has none yet).
    return DashboardItem(
        public_id=incident.public_id, name=incident.name, status=incident.status,
        severity=incident.severity, started_at=incident.started_at,
        scheduled_for=incident.scheduled_for, scheduled_until=incident.scheduled_until,
        last_update_at=cadence.last_public_update_at(incident),
        components=[c.name for c in incident.components], url=detail_url(endpoint, incident),
        not_public=incident.awaiting_approval,
    )


def live_context() -> dict[str, Any]:
    """The open incidents (those awaiting approval too) and maintenance, with the cadence,
    and what monitoring proposes (statuspage.alerts)."""
    now = utcnow()
    open_incidents = queries.unresolved_incidents(drafts=True)
    return {
        "incidents": [_item(i, "console.incident_detail") for i in open_incidents],
        "maintenances": [
            _item(m, "console.maintenance_detail")
            for m in queries.incidents(MAINTENANCE, _OPEN_MAINTENANCE, newest_first=False,
                                       drafts=True)],
        "cadence": cadence.cadence_states(open_incidents, now),
        "zone": display_zone(),
        "proposals": proposal_cards.dashboard_cards(bool(current_user.can_edit)),
    }


@bp.route("/")
@require_role("viewer")
def dashboard() -> ResponseReturnValue:
    return render_template("console/dashboard.html", **live_context(),
                           review=approval_views.review_state(),
                           stalls=delivery_health.stalled_channels(utcnow()),
                           can_declare=current_user.can_edit)


@bp.get("/dashboard/live")
@require_role("viewer")
def dashboard_live() -> ResponseReturnValue:
    """The incidents and maintenance sections as an HTML fragment (console-refresh.js)."""
    html = render_template("console/_dashboard_live.html", **live_context())
    response = make_response(html)
    # Private and changing by the minute: never stored by a browser or a proxy.
    response.headers["Cache-Control"] = "no-store"
    return response
