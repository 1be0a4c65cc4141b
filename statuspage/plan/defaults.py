"""The default communication plan: what applies until a plan is saved, and what seeding stores.

Written as a plan document (statuspage.plan.document) so it goes through the same validation
as an import. The severity definitions and response targets are those a seasoned incident
communications lead would start from; each organisation edits them in the console.
"""

from __future__ import annotations

from typing import Any

from statuspage.models.plan import INCIDENT_EVENTS, MAINTENANCE_EVENTS, MAINTENANCE_PLAN, PUBLIC
from statuspage.models.subscribers import CHAT, EMAIL, SMS, WEBHOOK
from statuspage.plan.document import VERSION


def _public(events: dict[str, list[str]]) -> dict[str, list[str]]:
    """A public route of the default plan: webhook and chat wherever email goes.

    Decision: webhook subscribers signed up precisely to get machine notifications, and
    Statuspage sends a webhook for every incident update, so the default never leaves them
    out of an event the public hears by email; a team that subscribed its chat channel asked
    for the same updates (Statuspage's Slack subscriptions get every incident update too).
    """
    return {event: [*channels, WEBHOOK, CHAT] if EMAIL in channels else list(channels)
            for event, channels in events.items()}


# Business impact first (what a responder checks against when choosing), then the targets:
# the first public update within `first_update_minutes` of declaring, then one every
# `cadence_minutes` until resolved (the shape PagerDuty's and Atlassian's severity guides use).
DEFAULT_DOCUMENT: dict[str, Any] = {
    "version": VERSION,
    "severities": {
        "SEV1": {
            "definition": "Checkout, login or the whole service down for all or most "
                          "customers; data loss or a security breach.",
            "first_update_minutes": 15, "cadence_minutes": 30, "approval": False,
            "audiences": {
                PUBLIC: _public({"incident_opened": [EMAIL, SMS], "incident_update": [EMAIL],
                                 "incident_resolved": [EMAIL, SMS],
                                 "postmortem_published": [EMAIL]}),
                # The executives' chat channel too, once the group has one: where they
                # follow incidents (a group without chat destinations gets no chat message).
                "Executives": {event: [EMAIL, SMS, CHAT] for event in INCIDENT_EVENTS},
            }},
        "SEV2": {
            "definition": "A core feature (payments, sign-up, search, the API) down or badly "
                          "degraded for many customers, or the whole service slow; no "
                          "workaround.",
            "first_update_minutes": 30, "cadence_minutes": 60, "approval": False,
            "audiences": {
                PUBLIC: _public({event: [EMAIL] for event in INCIDENT_EVENTS}),
            }},
        "SEV3": {
            "definition": "A minor feature broken, or a core one degraded for some customers "
                          "or one region; a workaround exists.",
            "first_update_minutes": 60, "cadence_minutes": 120, "approval": False,
            "audiences": {
                PUBLIC: _public({"incident_opened": [EMAIL], "incident_resolved": [EMAIL]}),
            }},
        # SEV4: the page and the feeds only.
        "SEV4": {
            "definition": "No customer impact yet: a risk, a failing internal tool or a "
                          "cosmetic issue; fixed in working hours.",
            "first_update_minutes": None, "cadence_minutes": None, "approval": False,
            "audiences": {}},
        MAINTENANCE_PLAN: {"cadence_minutes": None, "approval": False, "audiences": {
            PUBLIC: _public({event: [EMAIL] for event in MAINTENANCE_EVENTS}),
        }},
    },
}
# The group the default plan addresses; seeding creates it (without members).
DEFAULT_GROUP = "Executives"
