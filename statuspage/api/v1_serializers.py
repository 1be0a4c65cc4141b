"""Models → the Manage API (v1) record shapes: the public v2 objects plus the write-side keys.

The v1 incident record is the v2 one (statuspage/page/serializers.py) with the fields
Statuspage's Manage API adds (statuspage-compat.md 1.11): the maintenance window and its
automation flags on every record, the postmortem keys, and the twitter keys on updates (always
empty: we do not tweet). Internal updates stay out, as everywhere outside the console.
"""

from __future__ import annotations

from collections.abc import Sequence

from statuspage.models import (
    Component,
    Incident,
    IncidentUpdate,
    MessageTemplate,
    PostmortemReview,
)
from statuspage.page.serializers import (
    PageContext,
    Payload,
    component_object,
    incident_object,
    page_object,
    update_object,
)

# Statuspage's "remind subscribers before the start" is a flag meaning 60 minutes.
REMIND_PRIOR_MINUTES = 60
# Statuspage's template `update_status` -> our template phase (v1_templates), and back.
TEMPLATE_PHASES = {
    "investigating": "investigating",
    "identified": "identified",
    "monitoring": "monitoring",
    "resolved": "resolved",
    "scheduled": "maintenance_scheduled",
    "in_progress": "maintenance_started",
    "completed": "maintenance_completed",
    "postmortem": "postmortem",
}
TEMPLATE_STATUSES = {phase: status for status, phase in TEMPLATE_PHASES.items()}


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
        # Automatic maintenance transitions notify as the plan says; we never tweet.
        "auto_transition_deliver_notifications_at_start": incident.is_maintenance,
        "auto_transition_deliver_notifications_at_end": incident.is_maintenance,
        "metadata": incident.api_metadata or {},
    })
    # Only a published postmortem leaves the console; drafts are private.
    data.setdefault("postmortem_body", incident.postmortem_body if published else None)
    data.setdefault("postmortem_published_at", ctx.ts(incident.postmortem_published_at))
    data.setdefault("postmortem_notified_subscribers", bool(incident.postmortem_notified))
    data.setdefault("postmortem_notified_twitter", False)
    data.setdefault("postmortem_body_last_updated_at",
                    ctx.ts(incident.postmortem_updated_at) if published else None)
    data.setdefault("postmortem_ignored", False)
    return data


def update_record(ctx: PageContext, update: IncidentUpdate) -> Payload:
    """One update as the Manage API returns it (the incident's record lists the same)."""
    data = update_object(ctx, update.incident, update)
    data.update(twitter_updated_at=None, wants_twitter_update=False)
    return data


def postmortem_record(ctx: PageContext, incident: Incident,
                      waiting: PostmortemReview | None) -> Payload:
    """An incident's postmortem as the Manage API returns it (Statuspage's Postmortem object)
    plus `awaiting_approval` (ours): a submitted text waits for a second person."""
    published = incident.postmortem_published_at is not None
    saved = ctx.ts(incident.postmortem_updated_at)
    # A revision of the published text waits as a review; before publication the saved
    # text is the draft (and a review, if any, waits to publish it).
    revision = waiting if published else None
    return {
        "preview_key": None,
        "body": incident.postmortem_body if published else None,
        "body_updated_at": saved if published else None,
        "body_draft": revision.body if revision is not None else incident.postmortem_body,
        "body_draft_updated_at": ctx.ts(revision.created_at) if revision is not None else saved,
        "published_at": ctx.ts(incident.postmortem_published_at),
        "notify_subscribers": (waiting.notify if waiting is not None
                               else bool(incident.postmortem_notified)),
        "notify_twitter": False,
        "custom_tweet": None,
        "created_at": saved,
        "updated_at": saved,
        "awaiting_approval": waiting is not None,
    }


def incident_records(ctx: PageContext, incidents: Sequence[Incident]) -> list[Payload]:
    return [incident_record(ctx, i) for i in incidents]


def component_record(ctx: PageContext, component: Component) -> Payload:
    """One component or group; a group lists its children's ids, as in /api/v2."""
    children = [c.public_id for c in component.children] if component.is_group else None
    return component_object(ctx, component, children)


def template_record(template: MessageTemplate) -> Payload:
    """One template as Statuspage's IncidentTemplate, with our `sms_body`."""
    return {
        "id": template.public_id,
        "components": [],
        "name": template.name,
        "title": template.title,
        "body": template.body,
        "group_id": None,
        "update_status": TEMPLATE_STATUSES.get(template.phase, template.phase),
        "should_tweet": False,
        "should_send_notifications": True,
        "sms_body": template.sms_body,
    }
