"""The console's main pages have no axe-core WCAG 2.1 A/AA violations (light and dark)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from statuspage.stakeholders import MemberInput, add_member, create_group
from tests.browser.a11y import assert_accessible
from tests.browser.conftest import login
from tests.browser.scenarios import maintenance
from tests.delivery_support import add_subscribers
from tests.factories import Factory


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
    login(page, "admin")
    assert site.maintenance is not None
    for path in ("/console/", "/console/incidents", f"/console/incidents/{incident.public_id}",
                 "/console/incidents/new", "/console/components", "/console/subscribers",
                 "/console/plan", "/console/settings", "/console/maintenance",
                 "/console/maintenance/new",
                 f"/console/maintenance/{site.maintenance.public_id}"):
        answer = page.goto(path)
        assert answer is not None and answer.status == 200, path
        assert_accessible(page, path)


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
    page.get_by_role("button", name="Open incident").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page, "composer with errors")
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
