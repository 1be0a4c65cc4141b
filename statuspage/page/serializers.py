"""Models → the ordered dicts of the Statuspage public API v2 (statuspage-compat.md, 1.2-1.7).

Pure functions: no queries, no request. Key order follows the real captures, because some
clients and diff-based monitors compare responses textually; callers must pass models whose
relationships the shared queries have already loaded (`statuspage.page.queries`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from statuspage.core.timefmt import api_date, api_timestamp
from statuspage.models import Component, ComponentChange, Incident, IncidentUpdate, Page
from statuspage.page.rollup import PageStatus

Payload = dict[str, Any]


@dataclass(frozen=True)
class PageContext:
    """What every object needs from the page: its id, base URL and time zone."""

    page: Page
    zone: ZoneInfo

    @classmethod
    def of(cls, page: Page) -> PageContext:
        """Build the context for `page`, using its configured IANA time zone."""
        return cls(page=page, zone=ZoneInfo(page.time_zone))

    @property
    def base_url(self) -> str:
        return self.page.url.rstrip("/")

    def ts(self, value: datetime | None) -> str | None:
        """A timestamp in the page's zone, with milliseconds (None stays None)."""
        return api_timestamp(value, self.zone)


def envelope(ctx: PageContext, **payload: Any) -> Payload:
    """A response body: `page` first, then the payload keys in the order given."""
    return {"page": page_object(ctx), **payload}


def page_object(ctx: PageContext) -> Payload:
    page = ctx.page
    return {
        "id": page.public_id,
        "name": page.name,
        "url": page.url,
        "time_zone": page.time_zone,
        "updated_at": ctx.ts(page.updated_at),
    }


def status_object(status: PageStatus) -> Payload:
    return {"indicator": status.indicator, "description": status.description}


def component_object(
    ctx: PageContext, component: Component, child_ids: Sequence[str] | None = None
) -> Payload:
    """One component; `child_ids` is given for groups only (the key exists only on groups)."""
    data: Payload = {
        "id": component.public_id,
        "name": component.name,
        "status": component.status,
        "created_at": ctx.ts(component.created_at),
        "updated_at": ctx.ts(component.updated_at),
        "position": component.position,
        "description": component.description,
        "showcase": component.showcase,
        "start_date": api_date(component.start_date),
        "group_id": component.group.public_id if component.group is not None else None,
        "page_id": ctx.page.public_id,
        "group": component.is_group,
        "only_show_if_degraded": component.only_show_if_degraded,
    }
    if component.is_group:
        data["components"] = list(child_ids or [])
    return data


def component_list(ctx: PageContext, ordered: Sequence[Component]) -> list[Payload]:
    """The flat components array, groups listing their children's ids (from `ordered` itself,
    so no relationship is lazily loaded per group)."""
    children: dict[int, list[str]] = {}
    for component in ordered:
        if component.group_id is not None:
            children.setdefault(component.group_id, []).append(component.public_id)
    return [
        component_object(ctx, c, children.get(c.id, []) if c.is_group else None)
        for c in ordered
    ]


def affected_component(change: ComponentChange) -> Payload:
    return {
        "code": change.component.public_id,
        "name": change.component.display_name,
        "old_status": change.old_status,
        "new_status": change.new_status,
    }


def update_object(ctx: PageContext, incident: Incident, update: IncidentUpdate) -> Payload:
    """One public update; the body stays raw markdown (clients render or escape it)."""
    return {
        "id": update.public_id,
        "status": update.status,
        "body": update.body,
        "incident_id": incident.public_id,
        "created_at": ctx.ts(update.created_at),
        "updated_at": ctx.ts(update.updated_at),
        "display_at": ctx.ts(update.display_at),
        # null, not [], when the update touched no component: that is what clients see.
        "affected_components": (
            [affected_component(c) for c in update.changes] if update.changes else None
        ),
        "deliver_notifications": update.deliver_notifications,
        "custom_tweet": None,
        "tweet_id": None,
    }


def incident_object(ctx: PageContext, incident: Incident) -> Payload:
    """An incident, or a maintenance with `scheduled_for`/`scheduled_until` appended."""
    data: Payload = {
        "id": incident.public_id,
        "name": incident.name,
        "status": incident.status,
        "created_at": ctx.ts(incident.created_at),
        "updated_at": ctx.ts(incident.updated_at),
        "monitoring_at": ctx.ts(incident.monitoring_at),
        "resolved_at": ctx.ts(incident.resolved_at),
        "impact": incident.impact,
        "shortlink": f"{ctx.base_url}/incidents/{incident.public_id}",
        "started_at": ctx.ts(incident.started_at),
        "page_id": ctx.page.public_id,
        # Internal updates are for stakeholders only and never leave through the public API.
        "incident_updates": [update_object(ctx, incident, u) for u in incident.public_updates],
        "components": [
            component_object(ctx, c) for c in incident.components if not c.is_group
        ],
    }
    if incident.is_maintenance:
        data["scheduled_for"] = ctx.ts(incident.scheduled_for)
        data["scheduled_until"] = ctx.ts(incident.scheduled_until)
    return data


def incident_list(ctx: PageContext, incidents: Sequence[Incident]) -> list[Payload]:
    return [incident_object(ctx, i) for i in incidents]
