"""Languages in a real browser: the footer switch, Accept-Language from the browser's locale,
and static/localtime.js adding the reader's own time beside the page's."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from playwright.sync_api import ConsoleMessage, Page, expect

from statuspage.core.extensions import db
from statuspage.page.record import get_page, touch_page
from tests.factories import Factory

PageMaker = Callable[..., Page]
STARTED = datetime(2024, 7, 1, 20, 30, tzinfo=UTC)  # 22:30 in Oslo, 16:30 in New York


def _oslo_incident(factory: Factory) -> str:
    get_page().time_zone = "Europe/Oslo"
    touch_page()
    db.session.commit()
    return factory.incident(name="Treg innlogging", started_at=STARTED).public_id


def _errors(page: Page) -> list[str]:
    found: list[str] = []

    def check(message: ConsoleMessage) -> None:
        if message.type == "error":
            found.append(message.text)

    page.on("console", check)
    page.on("pageerror", lambda error: found.append(str(error)))
    return found


def test_a_reader_elsewhere_sees_their_own_time_in_their_language(
        new_page: PageMaker, factory: Factory) -> None:
    public_id = _oslo_incident(factory)
    page = new_page(locale="nb-NO", timezone_id="America/New_York")
    errors = _errors(page)
    page.goto(f"/incidents/{public_id}")
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    started = page.locator("dt:text('Startet') + dd")
    expect(started.locator("time")).to_have_text("1. juli 2024 kl. 22:30 CEST")
    expect(started.locator(".localtime")).to_have_text(" (16:30 hos deg)")
    assert errors == []


def test_english_reader_gets_english_wording_and_a_date_when_the_day_differs(
        new_page: PageMaker, factory: Factory) -> None:
    public_id = _oslo_incident(factory)
    page = new_page(locale="en-US", timezone_id="Asia/Tokyo")  # 05:30 on July 2 in Tokyo
    page.goto(f"/incidents/{public_id}")
    started = page.locator("dt:text('Started') + dd")
    expect(started.locator("time")).to_have_text("Jul 01, 2024 22:30 CEST")
    expect(started.locator(".localtime")).to_have_text(re.compile(r"^ \(Jul 2, 05:30 your time\)$"))


def test_no_second_time_for_a_reader_in_the_pages_zone(new_page: PageMaker,
                                                       factory: Factory) -> None:
    public_id = _oslo_incident(factory)
    page = new_page(timezone_id="Europe/Oslo")
    page.goto(f"/incidents/{public_id}")
    expect(page.locator("dt:text('Started') + dd time")).to_be_visible()
    expect(page.locator(".localtime")).to_have_count(0)


def test_the_footer_switch_changes_the_language_for_the_next_pages(
        new_page: PageMaker, factory: Factory) -> None:
    factory.component("API")
    page = new_page(locale="en-US")
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("All Systems Operational")
    page.get_by_role("navigation", name="Language").get_by_role("link",
                                                                name="Norsk bokmål").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Alle systemer fungerer")
    page.get_by_role("link", name="Abonner på oppdateringer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Abonner på oppdateringer")
    expect(page.get_by_label("E-postadresse")).to_be_visible()
    page.get_by_role("navigation", name="Språk").get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Subscribe to updates")
