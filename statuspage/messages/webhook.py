"""Webhook payloads in Statuspage's shapes (statuspage-compat.md, 1.8).

Receivers written for Atlassian Statuspage (Slack and Zulip bridges, chat-ops bots) read these
payloads unchanged: `meta` + `page` + either `incident` (a Manage-API-style incident with its
updates, newest first) or `component_update` + `component`. The page block says
`status_indicator`/`status_description`, unlike the public API's `status` object. Timestamps
follow the public API: ISO 8601 with milliseconds in the page's time zone.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from statuspage.messages.context import EventContext, load_event
from statuspage.models import FanoutEvent, Incident, Subscriber
from statuspage.models.types import utcnow
from statuspage.notify.base import WebhookContent
from statuspage.page.queries import current_status
from statuspage.page.record import get_page
from statuspage.page.serializers import PageContext, affected_component
from statuspage.subscriptions.links import unsubscribe_url

Payload = dict[str, Any]

COMPONENT_UPDATE = "component_update"
# Our payloads follow Statuspage's; this page documents their shapes.
DOCUMENTATION_URL = "https://support.atlassian.com/statuspage/docs/enable-webhook-notifications/"


def _meta(ctx: PageContext, subscriber: Subscriber) -> Payload:
    return {
        "unsubscribe": unsubscribe_url(subscriber),
        "documentation": DOCUMENTATION_URL,
        "generated_at": ctx.ts(utcnow()),
    }


def _page(ctx: PageContext) -> Payload:
    status = current_status()
    return {
        "id": ctx.page.public_id,
        "status_indicator": status.indicator,
        "status_description": status.description,
    }


def incident_block(ctx: PageContext, incident: Incident) -> Payload:
    """The incident as the Manage API names its fields; updates newest first, public only."""
    return {
        "backfilled": False,
        "created_at": ctx.ts(incident.created_at),
        "impact": incident.impact,
        "impact_override": incident.impact_override,
        "monitoring_at": ctx.ts(incident.monitoring_at),
        "postmortem_body": None,
        "postmortem_body_last_updated_at": None,
        "postmortem_ignored": False,
        "postmortem_notified_subscribers": False,
        "postmortem_notified_twitter": False,
        "postmortem_published_at": None,
        "resolved_at": ctx.ts(incident.resolved_at),
        "scheduled_auto_transition": bool(incident.auto_start or incident.auto_complete),
        "scheduled_for": ctx.ts(incident.scheduled_for),
        "scheduled_remind_prior": False,
        "scheduled_reminded_at": None,
        "scheduled_until": ctx.ts(incident.scheduled_until),
        "shortlink": f"{ctx.base_url}/incidents/{incident.public_id}",
        "status": incident.status,
        "updated_at": ctx.ts(incident.updated_at),
        "id": incident.public_id,
        "organization_id": ctx.page.public_id,
        "incident_updates": [
            {
                "body": update.body,
                "created_at": ctx.ts(update.created_at),
                "display_at": ctx.ts(update.display_at),
                "status": update.status,
                "twitter_updated_at": None,
                "updated_at": ctx.ts(update.updated_at),
                "wants_twitter_update": False,
                "id": update.public_id,
                "incident_id": incident.public_id,
                "affected_components": (
                    [affected_component(c) for c in update.changes] if update.changes else None
                ),
            }
            for update in incident.public_updates
        ],
        "name": incident.name,
    }


def short_id(seed: str) -> str:
    """A stable 12-character base-36 id derived from `seed` (for records without a public id).
    """
    number = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8])
    digits = ""
    for _ in range(12):
        number, rest = divmod(number, 36)
        digits += "0123456789abcdefghijklmnopqrstuvwxyz"[rest]
    return digits


def _stamp(ctx: PageContext, value: str | None) -> str | None:
    return ctx.ts(datetime.fromisoformat(value)) if value else None


def component_update_payload(event: FanoutEvent, subscriber: Subscriber) -> WebhookContent:
    """Statuspage's `component_update` payload for the change captured in `event.detail`.

    Keys as Statuspage sends them (tests/notify/fixtures holds a captured payload):
    `component_update` carries the change, `component` the component as the change left it.
    The `id` of the change is derived from the event, so a retried POST repeats it and a
    receiver can drop the duplicate.
    """
    if event.kind != COMPONENT_UPDATE or not event.detail:
        raise LookupError(f"fan-out event {event.id} is not a component update")
    ctx = PageContext.of(get_page())
    detail = event.detail
    component = detail["component"]
    return WebhookContent(payload={
        "meta": _meta(ctx, subscriber),
        "page": _page(ctx),
        "component_update": {
            "created_at": _stamp(ctx, detail["at"]),
            "new_status": detail["new_status"],
            "old_status": detail["old_status"],
            "id": short_id(f"component-update:{event.id}"),
            "component_id": component["id"],
            "component_type": "Component",
        },
        "component": {
            "created_at": _stamp(ctx, component["created_at"]),
            "id": component["id"],
            "name": component["name"],
            "status": detail["new_status"],
            "updated_at": _stamp(ctx, component["updated_at"]),
            "position": component["position"],
            "description": component["description"],
            "showcase": component["showcase"],
            "page_id": ctx.page.public_id,
            "group_id": component["group_id"],
        },
    })


def webhook_payload(event: FanoutEvent, subscriber: Subscriber) -> WebhookContent:
    """The payload for `event`: `incident`, or `component_update` for such an event."""
    if event.kind == COMPONENT_UPDATE:
        return component_update_payload(event, subscriber)
    ectx: EventContext = load_event(event)
    ctx = PageContext.of(ectx.page)
    return WebhookContent(payload={
        "meta": _meta(ctx, subscriber),
        "page": _page(ctx),
        "incident": incident_block(ctx, ectx.incident),
    })


def webhook_test_payload(subscriber: Subscriber) -> WebhookContent:
    """The POST that proves an endpoint answers before the subscription is confirmed.

    It carries `meta` and `page` like every payload, and neither `incident` nor
    `component_update`, so a receiver cannot mistake it for a real event; `ping` says what
    it is.
    """
    ctx = PageContext.of(get_page())
    return WebhookContent(payload={
        "meta": _meta(ctx, subscriber),
        "page": _page(ctx),
        "ping": {
            "message": f"Test from {ctx.page.name}: answer with any 2xx status to confirm "
                       "this webhook subscription.",
            "subscriber_id": subscriber.public_id,
        },
    })
