"""Reach: which public channels an event goes out on, and to how many subscribers.

The composer's "Preview reach" and the fan-out both ask `public_channels`, and the counts use
the same subscriber condition as the expansion (delivery_expand.audience_condition), so what
the preview promises is what the fan-out delivers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import func, select

from statuspage import plan
from statuspage.delivery_expand import audience_condition, with_groups
from statuspage.extensions import db
from statuspage.models import Incident, Subscriber
from statuspage.models.plan import MAINTENANCE_PLAN, PUBLIC
from statuspage.models.subscribers import EMAIL, SMS, WEBHOOK
from statuspage.pages import get_page


class ReachLine(NamedTuple):
    """One channel of one audience and how many subscribers it reaches."""

    audience: str
    channel: str
    recipients: int


def open_channels() -> list[str]:
    """The subscriber channels the page has open, in a fixed order."""
    page = get_page()
    return [channel for channel, open_ in (
        (EMAIL, page.allow_email_subscribers),
        (SMS, page.allow_sms_subscribers),
        (WEBHOOK, page.allow_webhook_subscribers),
    ) if open_]


def event_kind(incident: Incident | None, status: str, *, is_maintenance: bool = False) -> str:
    """The plan's event for a public update with `status` about to be posted on `incident`
    (None: a new incident). Mirrors plan.event_kind_for, before the update exists."""
    if (incident is not None and incident.is_maintenance) or is_maintenance:
        return plan._MAINTENANCE_EVENT.get(status, "maintenance_scheduled")
    if status == "postmortem":
        return "postmortem_published"
    if status == "resolved":
        return "incident_resolved"
    if incident is not None and incident.public_updates:
        return "incident_update"
    return "incident_opened"


def public_channels(severity: str, kind: str, visibility: str = "public",
                    deliver: bool = True) -> list[str]:
    """Channels the plan's public route names for (severity, kind) that the page has open.

    Internal updates and updates posted with notifications off reach no one.
    """
    if visibility != "public" or not deliver:
        return []
    routed: set[str] = set()
    for route in plan.decide(severity, kind):
        if route.audience == PUBLIC:
            routed.update(route.channels)
    return [channel for channel in open_channels() if channel in routed]


def reach(incident: Incident | None, status: str, component_ids: Sequence[int],
          visibility: str = "public", deliver: bool = True, kind: str | None = None, *,
          severity: str | None = None) -> list[ReachLine]:
    """The public audience an update would reach: one line per channel with its count.

    `kind` defaults to the event the update's status announces; `severity` defaults to the
    incident's plan row (pass it for an incident not created yet).
    """
    if severity is None:
        severity = plan.plan_severity(incident) if incident is not None else "SEV4"
    if kind is None:
        kind = event_kind(incident, status, is_maintenance=severity == MAINTENANCE_PLAN)
    channels = public_channels(severity, kind, visibility, deliver)
    if not channels:
        return []
    condition = audience_condition(channels, with_groups(sorted(set(component_ids))))
    counts = dict(db.session.execute(
        select(Subscriber.channel, func.count()).where(condition).group_by(Subscriber.channel)
    ).all())
    return [ReachLine(PUBLIC, channel, int(counts.get(channel, 0))) for channel in channels]
