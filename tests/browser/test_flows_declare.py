"""Declaring from the dashboard: the plan summary follows the severity picker (JavaScript),
and the warnings follow the lead and notify fields."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import login
from tests.delivery_support import add_subscribers
from tests.factories import Factory


def test_the_plan_summary_follows_the_severity_picked(page: Page, factory: Factory) -> None:
    add_subscribers(2)
    login(page, "communicator")
    page.goto("/console/")
    page.get_by_role("main").get_by_role("link", name="Declare incident").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Declare incident")

    sev1, sev3 = page.locator("#plan-summary-SEV1"), page.locator("#plan-summary-SEV3")
    expect(sev3).to_be_visible()
    expect(sev1).to_be_hidden()
    page.get_by_label("Severity").select_option("SEV1")
    expect(sev1).to_be_visible()
    expect(sev3).to_be_hidden()
    expect(sev1).to_contain_text("Target: within 15 minutes of declaring.")
    expect(sev1.locator("li[data-audience=public][data-channel=email]")).to_have_text(
        "Public subscribers by email: 2 recipients")

    lead_warning = page.locator("#lead-warning")
    expect(lead_warning).to_be_hidden()  # the declarer leads by default
    page.get_by_label("Communications lead").select_option("")
    expect(lead_warning).to_be_visible()
    page.get_by_label("Notify subscribers").uncheck()
    expect(page.locator("#notify-off-warning")).to_be_visible()

    page.get_by_label("Title").fill("Checkout down")
    page.get_by_label("Message (markdown)").fill("Payments fail.")
    page.get_by_role("button", name="Declare incident").click()
    page.wait_for_url(re.compile(r"/console/incidents/[^/]+$"))
    expect(page.get_by_role("status").filter(has_text="declared")).to_contain_text(
        "Incident “Checkout down” declared")
    expect(page.locator("#lead-missing")).to_be_visible()
