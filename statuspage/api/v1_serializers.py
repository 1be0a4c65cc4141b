"""Models → the Manage API (v1) record shapes: the public v2 objects plus the write-side keys.

The v1 incident record is the v2 one (statuspage/page/serializers.py) with the fields
Statuspage's Manage API adds (statuspage-compat.md 1.11): the maintenance window and its
automation flags on every record, the postmortem keys, and the twitter keys on updates (always
empty: we do not tweet). Internal updates stay out, as everywhere outside the console.
"""

from __future__ import annotations

from collections.abc import Sequence

from statuspage.models import Component, Incident
from statuspage.page.serializers import (
    PageContext,
    Payload,
    component_object,
    incident_object,
    page_object,
)

# Statuspage's "remind subscribers before the start" is a flag meaning 60 minutes.
REMIND_PRIOR_MINUTES = 60


def page_record(ctx: PageContext) -> Payload:
    """The page as the Manage API returns it: the v2 page object and its subscription
    settings, under Statuspage's names (statuspage-compat.md 1.11, page settings)."""
    page = ctx.page
    return {
        **page_object(ctx),
        "allow_incident_subscribers": page.allow_incident_subscribers,
        "allow_email_subscribers": page.allow_email_subscribers,
        "allow_sms_subscribers": page.allow_sms_subscribers,
        "allow_webhook_subscribers": page.allow_webhook_subscribers,
    }


def incident_record(ctx: PageContext, incident: Incident) -> Payload:
    """One incident or maintenance as the Manage API returns it."""
    data = incident_object(ctx, incident)
    for update in data["incident_updates"]:
        update.setdefault("twitter_updated_at", None)
        update.setdefault("wants_twitter_update", False)
    published = incident.postmortem_published_at is not None
    data.update({
        "impact_override": incident.impact_override,
        # Our own addition: the severity the plan and the console use (null for maintenance).
        "severity": incident.severity,
        "scheduled_for": ctx.ts(incident.scheduled_for),
        "scheduled_until": ctx.ts(incident.scheduled_until),
        "scheduled_remind_prior": incident.remind_before_minutes is not None,
        "scheduled_reminded_at": ctx.ts(incident.reminded_at),
        "scheduled_auto_in_progress": incident.auto_start,
        "scheduled_auto_completed": incident.auto_complete,
        "auto_transition_to_maintenance_state": incident.auto_transition_components,
        "auto_transition_to_operational_state": incident.auto_transition_components,
        "metadata": {},
    })
    # Only a published postmortem leaves the console; drafts are private.
    data.setdefault("postmortem_body", incident.postmortem_body if published else None)
    data.setdefault("postmortem_published_at", ctx.ts(incident.postmortem_published_at))
    data.setdefault("postmortem_notified_subscribers", bool(incident.postmortem_notified))
    data.setdefault("postmortem_notified_twitter", False)
    return data


def incident_records(ctx: PageContext, incidents: Sequence[Incident]) -> list[Payload]:
    return [incident_record(ctx, i) for i in incidents]


def component_record(ctx: PageContext, component: Component) -> Payload:
    """One component or group; a group lists its children's ids, as in /api/v2."""
    children = [c.public_id for c in component.children] if component.is_group else None
    return component_object(ctx, component, children)
