"""An admin opens an incident in the console and it reaches every public surface."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, login
from tests.browser.support import create_component, eventually, mails_to
from tests.delivery_support import add_subscribers, email
from tests.factories import Factory
from tests.fakes.providers import FakeSendGrid


def test_admin_opens_an_incident_that_shows_on_page_permalink_feeds_and_api(
    page: Page, live_server: LiveServer, factory: Factory, fake_sendgrid: FakeSendGrid,
) -> None:
    add_subscribers(1)  # one confirmed email subscriber, following every component
    login(page, "admin")
    create_component(page, "Payments API")
    expect(page.get_by_role("cell", name="Payments API", exact=True)).to_be_visible()

    page.goto("/console/incidents/new")
    page.get_by_label("Title").fill("Card payments failing")
    page.get_by_label("Severity").select_option("SEV2")
    page.get_by_label("Payments API").select_option("major_outage")
    page.get_by_label("Message (markdown)").fill("Card payments **fail** for most customers.")
    page.get_by_role("button", name="Preview reach").click()

    reach = page.locator("#reach-preview")
    expect(reach.locator("tr[data-audience=public][data-channel=email] td.num")).to_have_text("1")
    expect(reach.locator(".reach-total")).to_have_text("1")
    expect(reach.locator(".reach-subject")).to_contain_text("Card payments failing")
    # The preview kept what was typed: publishing now opens the incident as previewed.
    expect(page.get_by_label("Payments API")).to_have_value("major_outage")
    page.get_by_role("button", name="Declare incident").click()
    page.wait_for_url(re.compile(r"/console/incidents/[^/]+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Card payments failing")
    public_id = page.url.rstrip("/").rsplit("/", 1)[1]

    page.goto("/")
    active = page.locator("section[aria-labelledby=active-incidents]")
    expect(active).to_contain_text("Card payments failing")
    expect(active.locator(".update-body strong")).to_have_text("fail")  # markdown rendered
    expect(page.locator("#page-status")).not_to_contain_text("All Systems Operational")
    expect(page.locator(".components")).to_contain_text("major outage", ignore_case=True)

    page.goto(f"/incidents/{public_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Card payments failing")
    expect(page.locator("main")).to_contain_text("fail for most customers")

    for feed in ("/history.rss", "/history.atom"):
        answer = page.request.get(feed)
        assert answer.ok, feed
        assert "Card payments failing" in answer.text(), feed
        assert f"/incidents/{public_id}" in answer.text(), feed

    api = page.request.get("/api/v2/incidents.json").json()
    incident = next(i for i in api["incidents"] if i["id"] == public_id)
    assert incident["name"] == "Card payments failing"
    assert incident["impact"] == "major"
    assert incident["status"] == "investigating"
    assert "fail" in incident["incident_updates"][0]["body"]
    assert [c["name"] for c in incident["components"]] == ["Payments API"]

    # The real worker fanned the opening update out to the subscriber through "SendGrid".
    mail = eventually(lambda: mails_to(fake_sendgrid, email(0)), "the subscriber's email")[0]
    assert "Card payments failing" in mail.subject
