"""The demo page `make run` seeds on first start: groups, components, history, maintenance."""

from __future__ import annotations

from datetime import timedelta

from statuspage.extensions import db
from statuspage.incidents import (
    IncidentInput,
    MaintenanceInput,
    UpdateInput,
    open_incident,
    post_update,
    resolve_incident,
    schedule_maintenance,
)
from statuspage.message_templates import seed_default_templates
from statuspage.models import Component, utcnow
from statuspage.pages import get_page, touch_page
from statuspage.plan import seed_default_plan


def seed_demo() -> None:
    now = utcnow()
    get_page()
    # The default communication plan, before the history below is published under it.
    seed_default_plan()
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

    past = open_incident(IncidentInput(
        name="Elevated API error rates",
        severity="SEV2",
        started_at=now - timedelta(days=3, hours=2),
        update=UpdateInput(
            status="investigating",
            body="We are investigating elevated error rates on the **API**.",
            component_statuses={api.id: "partial_outage"},
        ),
    ), None)
    post_update(past, UpdateInput(
        status="identified", body="A faulty database failover caused the errors; rolling back.",
        display_at=now - timedelta(days=3, hours=1, minutes=30),
        component_statuses={api.id: "degraded_performance"},
    ), None)
    post_update(past, UpdateInput(
        status="monitoring", body="The rollback is complete. We are monitoring.",
        display_at=now - timedelta(days=3, hours=1),
        component_statuses={api.id: "operational"},
    ), None)
    resolve_incident(past, "Error rates have been normal for an hour. Resolved.", None,
                     display_at=now - timedelta(days=3))

    open_incident(IncidentInput(
        name="Delayed SMS notifications",
        severity="SEV3",
        started_at=now - timedelta(minutes=40),
        update=UpdateInput(
            status="identified",
            body="SMS to some carriers are delayed by up to 10 minutes. A fix is rolling out.",
            component_statuses={sms.id: "degraded_performance"},
        ),
    ), None)

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
