"""The console's main pages have no axe-core WCAG 2.1 A/AA violations (light and dark), on a
desktop and on a phone with the menu open."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect

from statuspage.incidents import postmortems
from statuspage.models import utcnow
from statuspage.plan.stakeholder_members import MemberInput, add_member
from statuspage.plan.stakeholders import create_group
from tests.browser.a11y import assert_accessible
from tests.browser.conftest import PageMaker, login
from tests.browser.scenarios import maintenance
from tests.delivery_support import add_subscribers
from tests.factories import Factory
from tests.metrics_support import declared_at


def test_login_page_is_accessible_also_with_an_error(page: Page, users: dict[str, str]) -> None:
    page.goto("/console/login")
    assert_accessible(page, "login")
    page.get_by_label("Email").fill("nobody@example.com")
    page.get_by_label("Password").fill("wrong password, surely")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page, "login (failed)")


def test_main_console_pages_are_accessible(page: Page, factory: Factory) -> None:
    site = maintenance(factory)
    incident = factory.incident("Slow API responses", severity="SEV2",
                                components={site.api: "degraded_performance"},
                                body="Some requests take **seconds**.")
    add_subscribers(3)
    add_subscribers(2, "sms")
    postmortems.save_draft(site.past, "## What happened\n\nQueues backed up.", None)
    postmortems.add_action_item(site.past, "Alert on queue depth", "Ops", None, None)
    login(page, "admin")
    assert site.maintenance is not None
    for path in ("/console/", "/console/incidents", f"/console/incidents/{incident.public_id}",
                 "/console/incidents/new", "/console/components", "/console/subscribers",
                 "/console/plan", "/console/settings", "/console/maintenance",
                 "/console/maintenance/new",
                 f"/console/maintenance/{site.maintenance.public_id}",
                 "/console/reports", f"/console/incidents/{incident.public_id}/postmortem",
                 f"/console/incidents/{site.past.public_id}/postmortem"):
        answer = page.goto(path)
        assert answer is not None and answer.status == 200, path
        assert_accessible(page, path)


def test_postmortem_editor_and_follow_ups_are_accessible(page: Page, factory: Factory) -> None:
    site = maintenance(factory)
    incident = site.past  # resolved, with two updates: the scaffold fills its timeline
    postmortems.add_action_item(incident, "Alert on queue age", "SRE",
                                utcnow().date() - timedelta(days=1), None, public=True)
    postmortems.add_action_item(incident, "Autoscale the senders", "", None, None)
    login(page, "admin")
    page.goto(f"/console/incidents/{incident.public_id}/postmortem")
    expect(page.get_by_label("Postmortem (markdown)")).to_contain_text("## Timeline")
    page.get_by_role("button", name="Preview", exact=True).click()
    expect(page.get_by_role("heading", level=4, name="Summary")).to_be_visible()
    assert_accessible(page, "postmortem editor with the scaffold previewed")
    page.goto("/console/follow-ups")
    expect(page.get_by_text("OVERDUE", exact=True)).to_be_visible()
    assert_accessible(page, "/console/follow-ups")


def test_console_on_a_phone_with_the_menu_open_is_accessible(new_page: PageMaker,
                                                              factory: Factory) -> None:
    site = maintenance(factory)
    late = utcnow() - timedelta(hours=2)
    incident = declared_at(factory.incident("Checkout down", severity="SEV1", started_at=late,
                                            display_at=late,
                                            components={site.api: "major_outage"}), late)
    page = new_page(viewport={"width": 375, "height": 812}, is_mobile=True)
    login(page, "communicator")
    page.goto("/console/")
    expect(page.locator(".tag.overdue")).to_have_text("OVERDUE")
    assert_accessible(page, "dashboard on a phone")
    page.get_by_role("banner").get_by_text("Menu", exact=True).click()
    expect(page.get_by_role("navigation", name="Console")).to_be_visible()
    assert_accessible(page, "dashboard on a phone, menu open")
    page.goto(f"/console/incidents/{incident.public_id}")
    assert_accessible(page, "incident on a phone")


def test_composer_with_previews_is_accessible(page: Page, factory: Factory) -> None:
    site = maintenance(factory)
    add_subscribers(2)
    login(page, "admin")
    page.goto("/console/incidents/new")
    page.get_by_label("Title").fill("Checkout errors")
    page.get_by_label("Platform - API", exact=True).select_option("partial_outage")
    page.get_by_label("Message (markdown)").fill("Some orders *fail*; we are on it.")
    page.get_by_role("button", name="Preview", exact=True).click()
    expect(page.locator("em").filter(has_text="fail")).to_be_visible()
    page.get_by_role("button", name="Preview reach").click()
    expect(page.locator("#reach-preview")).to_be_visible()
    assert_accessible(page, "composer with markdown and reach previews")
    # A failed submit: the error summary and the field errors.
    page.get_by_label("Title").fill("")
    page.get_by_role("button", name="Declare incident").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page, "composer with errors")
    # The declaring aids in their warning states: no lead, notifications off, SEV1's summary.
    page.get_by_label("Communications lead").select_option("")
    page.get_by_label("Notify subscribers").uncheck()
    page.get_by_label("Severity").select_option("SEV1")
    expect(page.locator("#lead-warning")).to_be_visible()
    expect(page.locator("#plan-summary-SEV1")).to_be_visible()
    assert_accessible(page, "composer without a lead, SEV1's plan summary")
    assert site.api.name == "API"


def test_stakeholder_pages_with_the_language_select_are_accessible(
        page: Page, factory: Factory) -> None:
    group = create_group("Executives", "The C-suite", None)
    member = add_member(group, MemberInput("Kari", "kari@example.com", "+4741234567", "nb"),
                        None)
    login(page, "admin")
    for path in (f"/console/stakeholders/{group.public_id}",
                 f"/console/stakeholders/{group.public_id}/members/{member.public_id}/edit"):
        answer = page.goto(path)
        assert answer is not None and answer.status == 200, path
        assert_accessible(page, path)


def test_privacy_lookup_and_erasure_are_accessible_and_work(page: Page, factory: Factory
                                                         ) -> None:
    add_subscribers(1)  # person0@example.com or the like: read its address from the list
    login(page, "admin")
    page.goto("/console/subscribers")
    address = page.locator("table.subscribers tbody td a").first.inner_text()
    page.goto("/console/privacy")
    assert_accessible(page, "privacy")
    page.get_by_label("Email address, phone number or webhook URL").fill(address.upper())
    page.get_by_role("button", name="Look up").click()
    expect(page.get_by_role("heading", name=f"Held about {address}")).to_be_visible()
    assert_accessible(page, "privacy (what is held)")
    page.get_by_role("button", name="Erase…").click()
    assert_accessible(page, "privacy (erase?)")
    page.get_by_role("button", name=f"Yes, erase {address}").click()
    expect(page.get_by_role("status")).to_contain_text("was erased")
    page.goto("/console/subscribers")
    expect(page.get_by_text(address)).to_have_count(0)
