"""Reach: which audiences and channels an event goes out on, and to how many recipients.

The composer's "Preview reach" and the fan-out both ask `routing` which public channels and
stakeholder routes an event has, and the counts use the same recipient condition as the
expansion (plan.audience.audience_condition), so what the preview promises is what the
fan-out delivers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import func, select

from statuspage.core.extensions import db
from statuspage.models import Incident, StakeholderGroup, StakeholderMember, Subscriber
from statuspage.models.plan import MAINTENANCE_PLAN, PUBLIC
from statuspage.models.subscribers import CHAT, CHAT_CHANNELS, EMAIL, SMS, WEBHOOK
from statuspage.notify.chat import PROVIDER_NAMES
from statuspage.page.record import get_page
from statuspage.plan import routes as plan_routes
from statuspage.plan import rules as plan
from statuspage.plan.audience import audience_condition, audience_for
from statuspage.plan.document import MEMBER_CHANNELS

PUBLIC_LABEL = "Public subscribers"
_CHANNEL_NAMES = {**PROVIDER_NAMES, "sms": "SMS"}
# The audience key and label of the incident's followers (subscriptions.follows).
FOLLOWERS = "followers"
FOLLOWERS_LABEL = "Following this incident"


class ReachLine(NamedTuple):
    """One channel of one audience and how many recipients it reaches.

    audience: "public", "followers" (of the incident) or a stakeholder group's public_id;
    label: what the console shows (and `channel_label` for the channel).
    """

    audience: str
    channel: str
    recipients: int
    label: str = PUBLIC_LABEL

    @property
    def channel_label(self) -> str:
        """The channel as the console names it: a chat provider by its own name ("Slack",
        "Microsoft Teams", "Discord", "Google Chat"), "SMS", the others as they are ("email")."""
        return _CHANNEL_NAMES.get(self.channel, self.channel)


class Routing(NamedTuple):
    """Where an event goes: public channels, and {group public_id: channels}."""

    channels: list[str]
    routes: dict[str, list[str]]

    @property
    def empty(self) -> bool:
        return not self.channels and not any(self.routes.values())


def open_channels() -> list[str]:
    """The subscriber channels the page has open, in a fixed order (as the plan names them:
    "chat" for every chat provider, open with the page's allow_chat_subscribers)."""
    page = get_page()
    return [channel for channel, open_ in (
        (EMAIL, page.allow_email_subscribers),
        (SMS, page.allow_sms_subscribers),
        (WEBHOOK, page.allow_webhook_subscribers),
        (CHAT, page.allow_chat_subscribers),
    ) if open_]


def event_kind(incident: Incident | None, status: str, *, is_maintenance: bool = False) -> str:
    """The plan's event for a public update with `status` about to be posted on `incident`
    (None: a new incident). Mirrors plan_routes.event_kind_for, before the update exists."""
    if (incident is not None and incident.is_maintenance) or is_maintenance:
        return plan_routes._MAINTENANCE_EVENT.get(status, "maintenance_scheduled")
    if status == "postmortem":
        return "postmortem_published"
    if status == "resolved":
        return "incident_resolved"
    if incident is not None and incident.public_updates:
        return "incident_update"
    return "incident_opened"


def routing(severity: str, kind: str, visibility: str = "public",
            deliver: bool = True) -> Routing:
    """The plan's routes for (severity, kind), as the fan-out stores them on its event.

    Public updates reach the public on the plan's channels the page has open, and stakeholder
    groups on their route's channels; internal updates reach the groups only; an update posted
    without notifying reaches no one. The page's switches govern public sign-ups, not the
    members staff added, so they do not narrow a group's channels.
    """
    if not deliver:
        return Routing([], {})
    public: set[str] = set()
    groups: dict[str, list[str]] = {}
    for route in plan_routes.decide(severity, kind):
        if route.is_public:
            public.update(route.channels)
        else:
            channels = [c for c in MEMBER_CHANNELS if c in route.channels]
            if channels:
                groups[route.audience] = channels
    if visibility != "public":
        public = set()
    return Routing([channel for channel in open_channels() if channel in public], groups)


def public_channels(severity: str, kind: str, visibility: str = "public",
                    deliver: bool = True) -> list[str]:
    """Channels the plan's public route names for (severity, kind) that the page has open."""
    return routing(severity, kind, visibility, deliver).channels


def reach(incident: Incident | None, status: str, component_ids: Sequence[int],
          visibility: str = "public", deliver: bool = True, kind: str | None = None, *,
          severity: str | None = None) -> list[ReachLine]:
    """The audiences an update would reach: one line per audience and channel with its count,
    the public first, then the stakeholder groups by name.

    `kind` defaults to the event the update's status announces; `severity` defaults to the
    incident's plan row (pass it for an incident not created yet).
    """
    if severity is None:
        severity = plan.plan_severity(incident) if incident is not None else "SEV4"
    if kind is None:
        kind = event_kind(incident, status, is_maintenance=severity == MAINTENANCE_PLAN)
    return count_routing(routing(severity, kind, visibility, deliver), component_ids,
                         incident.id if incident is not None else None)


def count_routing(where: Routing, component_ids: Sequence[int],
                  incident_id: int | None = None) -> list[ReachLine]:
    """Recipients per audience and channel, counted with the expansion's own condition.

    A stakeholder already reached as a public subscriber (or through an earlier group) is
    counted once, where the fan-out delivers to them; so is a follower of the incident
    (`incident_id`) who is also a page-wide subscriber. Followers get lines of their own,
    after the public's, on the channels that reach any.
    """
    if where.empty:
        return []
    audience = audience_for(where.channels, component_ids, where.routes, incident_id)
    follower = Subscriber.incident_id.is_not(None)
    rows = db.session.execute(
        select(StakeholderMember.group_id, Subscriber.channel, follower, func.count())
        .select_from(Subscriber)
        .outerjoin(StakeholderMember, StakeholderMember.id == Subscriber.stakeholder_member_id)
        .where(audience_condition(audience))
        .group_by(StakeholderMember.group_id, Subscriber.channel, follower)
    ).all()
    groups = {group_id: (key, name) for group_id, key, name in db.session.execute(
        select(StakeholderGroup.id, StakeholderGroup.public_id, StakeholderGroup.name)
        .where(StakeholderGroup.public_id.in_(list(where.routes))))}
    counts: dict[tuple[str, str], int] = {}
    for group_id, channel, follows, n in rows:
        key = (groups[group_id][0] if group_id is not None
               else FOLLOWERS if follows else PUBLIC)
        counts[key, channel] = counts.get((key, channel), 0) + int(n)
    lines = [ReachLine(PUBLIC, shown, n)
             for shown, n in _per_channel(where.channels, PUBLIC, counts)]
    # Followers of one incident are reached by email and SMS only (no "chat" line).
    lines.extend(ReachLine(FOLLOWERS, channel, counts[FOLLOWERS, channel], FOLLOWERS_LABEL)
                 for channel in where.channels if counts.get((FOLLOWERS, channel)))
    for key, name in sorted(groups.values(), key=lambda group: group[1]):
        lines.extend(ReachLine(key, shown, n, name)
                     for shown, n in _per_channel(where.routes[key], key, counts))
    return lines


def _per_channel(channels: Sequence[str], audience: str,
                 counts: dict[tuple[str, str], int]) -> list[tuple[str, int]]:
    """(channel, recipients) for one audience: "chat" as one line per provider it reaches
    (slack, teams, …), or one "chat" line of 0 when it reaches none."""
    lines: list[tuple[str, int]] = []
    for channel in channels:
        if channel != CHAT:
            lines.append((channel, counts.get((audience, channel), 0)))
            continue
        chats = [(provider, counts.get((audience, provider), 0)) for provider in CHAT_CHANNELS]
        lines.extend([(p, n) for p, n in chats if n] or [(CHAT, 0)])
    return lines
