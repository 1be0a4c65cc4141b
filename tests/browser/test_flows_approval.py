"""A communicator's public update waits for a second person's approval, as the plan says."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import PageMaker, login
from tests.browser.live import LiveServer
from tests.browser.support import open_incident
from tests.factories import Factory


def _public_incident_ids(page: Page) -> list[str]:
    return [i["id"] for i in page.request.get("/api/v2/incidents.json").json()["incidents"]]


def test_communicators_update_waits_for_a_second_users_approval(
    page: Page, new_page: PageMaker, live_server: LiveServer, factory: Factory,
) -> None:
    factory.component("Checkout")
    # The admin turns approval on for SEV2 in the console's plan editor.
    login(page, "admin")
    page.goto("/console/plan")
    page.locator("#plan-SEV2").get_by_label("Public updates need approval").check()
    page.get_by_role("button", name="Save the plan").click()
    expect(page.locator("#plan-SEV2").get_by_label("Public updates need approval")).to_be_checked()

    communicator = new_page()
    login(communicator, "communicator")
    public_id = open_incident(communicator, "Checkout errors", severity="SEV2",
                              components={"Checkout": "partial_outage"},
                              body="Some orders fail at checkout.")
    expect(communicator.get_by_role("status").filter(
        has_text="Not public yet: this incident waits")).to_be_visible()
    drafts = communicator.locator("#approvals")
    expect(drafts).to_contain_text("Some orders fail at checkout.")
    expect(drafts).to_contain_text("waiting for approval by another communicator or admin")
    # The author cannot approve their own update.
    expect(drafts.get_by_role("button", name="Approve and publish")).to_have_count(0)

    visitor = new_page()
    visitor.goto("/")
    expect(visitor.locator("main")).not_to_contain_text("Checkout errors")
    assert public_id not in _public_incident_ids(visitor)

    page.goto(f"/console/incidents/{public_id}")
    approvals = page.locator("#approvals")
    approvals.get_by_label("Comment").fill("Wording is fine.")
    approvals.get_by_role("button", name="Approve and publish").click()
    expect(page.get_by_role("status").filter(has_text="approved")).to_be_visible()
    expect(page.get_by_text(re.compile("not public yet", re.I))).to_have_count(0)

    visitor.goto("/")
    expect(visitor.locator("section[aria-labelledby=active-incidents]")).to_contain_text(
        "Some orders fail at checkout.")
    assert public_id in _public_incident_ids(visitor)
