"""An open incident whose last public update is older than the plan's cadence shows OVERDUE."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import select, update

from statuspage.core.extensions import db
from statuspage.models import Incident, IncidentUpdate, utcnow
from tests.browser.conftest import login
from tests.browser.live import LiveServer
from tests.browser.support import open_incident
from tests.factories import Factory


def test_an_overdue_incident_shows_its_cadence_warning(
    page: Page, live_server: LiveServer, factory: Factory,
) -> None:
    login(page, "admin")
    public_id = open_incident(page, "Slow search", severity="SEV2")  # default plan: every 60 min
    expect(page.locator("#cadence")).to_contain_text("next due in")
    expect(page.locator("#cadence .overdue")).to_have_count(0)

    # Back-date the incident (its declaration too) and the publication of its only public
    # update by 90 minutes: 30 minutes late.
    earlier = utcnow() - timedelta(minutes=90)
    incident_id = db.session.execute(
        select(Incident.id).where(Incident.public_id == public_id)).scalar_one()
    db.session.execute(update(Incident).where(Incident.id == incident_id)
                       .values(started_at=earlier, created_at=earlier))
    db.session.execute(update(IncidentUpdate).where(IncidentUpdate.incident_id == incident_id)
                       .values(display_at=earlier, created_at=earlier, published_at=earlier))
    db.session.commit()

    page.reload()
    cadence = page.locator("#cadence")
    expect(cadence.locator(".tag.overdue")).to_have_text("OVERDUE")
    expect(cadence).to_contain_text(re.compile(r"Last public update 9[01] min ago"))
    expect(cadence).to_contain_text("an update every 60 min")

    page.goto("/console/")
    row = page.get_by_role("row").filter(has_text="Slow search")
    expect(row.locator(".tag.overdue")).to_have_text("OVERDUE")
