"""The demo page `make run` seeds on first start: groups, components, history, maintenance.

The history reads like a real one, so the reports and the postmortem pages show plausible
response figures: each incident was declared some minutes after its impact began, the first
public update followed a few minutes later (one waited for approval), updates came at about
the plan's cadence, and it was resolved. The past is written as it happened (straight to
the models: it was never sent to anyone); the open incident is opened through the use-case and
its times then written back to when they would have happened, which only a seed may do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update

from statuspage.core.extensions import db
from statuspage.incidents.lifecycle import IncidentInput, open_incident
from statuspage.incidents.maintenance import MaintenanceInput, schedule_maintenance
from statuspage.incidents.templates import seed_default_templates
from statuspage.incidents.updates import UpdateInput
from statuspage.models import (
    INCIDENT,
    Component,
    ComponentChange,
    Incident,
    IncidentUpdate,
    PlanSetting,
    utcnow,
)
from statuspage.page import uptime
from statuspage.page.record import get_page, touch_page
from statuspage.plan.save import seed_default_plan

# Response targets the demo plan shows where the default plan sets none: minutes from the
# declaration to the first public update (SEV4 keeps none: the report says so).
DEMO_FIRST_UPDATE_TARGETS = {"SEV1": 15, "SEV2": 30, "SEV3": 60}

BODIES = {
    "investigating": "We are investigating reports of problems with **{name}**.",
    "identified": "We have identified the cause and are working on a fix.",
    "monitoring": "A fix is in place. We are monitoring the results.",
    "resolved": "This incident has been resolved. Thank you for your patience.",
}


@dataclass(frozen=True)
class Past:
    """A past incident: when its impact began, how long until it was declared, and when each
    public update was published (minutes after the declaration)."""

    name: str
    severity: str
    days_ago: int
    hour: int
    component: str
    impact: str  # the component's status while the incident lasted
    detection: int
    updates: tuple[tuple[int, str], ...]  # (minute, status); the last one resolves
    # The first update waited for approval from this minute (drafted) to its own.
    drafted_at: int | None = None


HISTORY = (
    Past("Intermittent 502 errors on the website", "SEV2", 62, 9, "Website", "partial_outage",
         9, ((41, "investigating"), (80, "identified"), (130, "resolved"))),
    Past("SMS delivery delayed to some carriers", "SEV3", 55, 14, "SMS delivery",
         "degraded_performance", 18, ((35, "identified"), (150, "resolved"))),
    Past("Login failures for all users", "SEV1", 48, 7, "Dashboard", "major_outage", 3,
         ((12, "investigating"), (40, "identified"), (68, "monitoring"), (90, "resolved"))),
    Past("Docs search returns stale results", "SEV4", 41, 11, "Website",
         "degraded_performance", 50, ((30, "identified"), (240, "resolved"))),
    Past("Email delivery delays", "SEV2", 33, 16, "Email delivery", "degraded_performance", 12,
         ((11, "investigating"), (55, "identified"), (100, "monitoring"), (140, "resolved"))),
    Past("Slow dashboard loading", "SEV3", 20, 10, "Dashboard", "degraded_performance", 25,
         ((14, "investigating"), (80, "monitoring"), (120, "resolved"))),
    Past("Checkout payments failing", "SEV1", 12, 13, "API", "major_outage", 4,
         ((9, "investigating"), (35, "identified"), (62, "monitoring"), (110, "resolved")),
         drafted_at=3),
    Past("Elevated API error rates", "SEV2", 3, 8, "API", "partial_outage", 6,
         ((8, "investigating"), (30, "identified"), (60, "monitoring"), (95, "resolved"))),
)


def seed_demo() -> None:
    now = utcnow()
    get_page()
    # The default communication plan, before the history below is published under it.
    seed_default_plan()
    _demo_targets()
    seed_default_templates()
    platform = Component(name="Platform", is_group=True, position=1, showcase=False)
    messaging = Component(name="Messaging", is_group=True, position=2, showcase=False)
    website = Component(name="Website", position=3, description="www and the docs")
    api = Component(name="API", group=platform, position=1, description="REST and GraphQL")
    dashboard = Component(name="Dashboard", group=platform, position=2)
    email = Component(name="Email delivery", group=messaging, position=1)
    sms = Component(name="SMS delivery", group=messaging, position=2)
    start = (now - timedelta(days=120)).date()
    for c in (platform, messaging, website, api, dashboard, email, sms):
        c.start_date = start
        db.session.add(c)
    touch_page()
    db.session.commit()

    components = {c.name: c for c in (website, api, dashboard, email, sms)}
    for past in HISTORY:
        _past_incident(past, components[past.component], now)
    db.session.commit()

    # Open now: declared 6 minutes into the impact, first public update 3 minutes later.
    started = now - timedelta(minutes=40)
    current = open_incident(IncidentInput(
        name="Delayed SMS notifications",
        severity="SEV3",
        started_at=started,
        update=UpdateInput(
            status="identified",
            body="SMS to some carriers are delayed by up to 10 minutes. A fix is rolling out.",
            component_statuses={sms.id: "degraded_performance"},
        ),
    ), None)
    _declared(current, started + timedelta(minutes=6))
    _published(current.updates[0], started + timedelta(minutes=9))
    db.session.commit()

    window = (now + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    schedule_maintenance(MaintenanceInput(
        name="Database upgrade",
        scheduled_for=window,
        scheduled_until=window + timedelta(hours=2),
        body="We will upgrade the primary database. The dashboard may be read-only briefly.",
        component_ids=[dashboard.id],
        auto_start=True,
        auto_complete=True,
    ), None)


def _demo_targets() -> None:
    # Straight to the plan's rows: a seed, not an edit of the plan (nothing to audit).
    for severity, minutes in DEMO_FIRST_UPDATE_TARGETS.items():
        db.session.execute(update(PlanSetting).where(
            PlanSetting.severity == severity, PlanSetting.first_update_minutes.is_(None))
            .values(first_update_minutes=minutes))
    db.session.commit()


def _past_incident(past: Past, component: Component, now: datetime) -> Incident:
    """One past incident, written as it happened (it was never sent to anyone, so there is
    nothing to fan out): the component was `impact` from the first update, better while
    monitoring, operational again at the resolution."""
    started = (now - timedelta(days=past.days_ago)).replace(
        hour=past.hour, minute=7, second=0, microsecond=0)
    declared = started + timedelta(minutes=past.detection)
    incident = Incident(kind=INCIDENT, name=past.name, severity=past.severity,
                        status=past.updates[-1][1], started_at=started, created_at=declared,
                        components=[component])
    status_before = "operational"
    for index, (minute, status) in enumerate(past.updates):
        at = declared + timedelta(minutes=minute)
        drafted = (declared + timedelta(minutes=past.drafted_at)
                   if index == 0 and past.drafted_at is not None else None)
        # The opening update is dated back to the start, as opening a back-dated one is.
        shown = started if index == 0 and drafted is None else at
        update_ = IncidentUpdate(status=status, body=BODIES[status].format(name=component.name),
                                 display_at=shown)
        _published(update_, at, drafted)
        new_status = {"monitoring": "degraded_performance", "resolved": "operational"}.get(
            status, past.impact)
        update_.changes.append(ComponentChange(component=component, old_status=status_before,
                                               new_status=new_status))
        status_before = new_status
        incident.updates.append(update_)
        if status == "monitoring":
            incident.monitoring_at = shown
    incident.resolved_at = incident.updated_at = at
    db.session.add(incident)
    uptime.refresh_incident(incident)  # the 90-day bars and the reports show the outage
    return incident


def _declared(incident: Incident, at: datetime) -> None:
    incident.created_at = incident.updated_at = at


def _published(update_: IncidentUpdate, at: datetime, drafted: datetime | None = None) -> None:
    """Posted at `at`, or drafted at `drafted` and approved (published, shown) at `at`."""
    update_.created_at = drafted or at
    update_.updated_at = update_.published_at = at
    if drafted is not None:
        update_.display_at = update_.reviewed_at = at
        update_.review_action = "approved"
        update_.review_comment = "Approved as written."
