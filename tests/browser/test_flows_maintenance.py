"""Maintenance scheduled in the console appears under upcoming maintenance and in the ICS feed."""

from __future__ import annotations

import re
from datetime import timedelta

from icalendar import Calendar
from playwright.sync_api import Page, expect

from statuspage.models import utcnow
from tests.browser.conftest import login
from tests.browser.live import LiveServer
from tests.factories import Factory


def test_scheduled_maintenance_shows_as_upcoming_and_in_the_calendar(
    page: Page, live_server: LiveServer, factory: Factory,
) -> None:
    factory.component("Database")
    start = (utcnow() + timedelta(days=2)).replace(hour=2, minute=0, second=0, microsecond=0)
    login(page, "admin")
    page.goto("/console/maintenance/new")
    page.get_by_label("Title").fill("Database upgrade to v17")
    # The page's zone is UTC here, so these are the UTC times.
    page.get_by_label("Window starts").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Window ends").fill((start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Database").check()
    page.get_by_label("Message (markdown)").fill("Writes pause for up to ten minutes.")
    page.get_by_role("button", name="Schedule").click()
    page.wait_for_url(re.compile(r"/console/maintenance/[^/]+$"))
    public_id = page.url.rstrip("/").rsplit("/", 1)[1]

    page.goto("/")
    upcoming = page.locator("#upcoming-maintenance")
    expect(upcoming).to_contain_text("Database upgrade to v17")
    expect(upcoming).to_contain_text("Writes pause for up to ten minutes.")
    expect(upcoming.get_by_role("link", name=re.compile("Database upgrade"))).to_have_attribute(
        "href", re.compile(public_id))

    answer = page.request.get("/maintenance.ics")
    assert answer.ok
    assert answer.headers["content-type"].startswith("text/calendar")
    events = [e for e in Calendar.from_ical(answer.body()).walk("VEVENT")
              if str(e["SUMMARY"]).startswith("Database upgrade to v17")]
    assert len(events) == 1
    assert events[0].decoded("DTSTART") == start
    assert events[0].decoded("DTEND") == start + timedelta(hours=2)
