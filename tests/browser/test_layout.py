"""The public pages as a phone and a dark-mode reader see them: 320 px wide without sideways
scrolling, the system's colour scheme followed, the owner's accent applied readably, and not
one Content-Security-Policy violation on the way. The console on a phone (incident work in the
top bar, the rest behind Menu) and on a desktop (every section in a sidebar)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from statuspage.core.extensions import db
from statuspage.page.record import get_page, touch_page
from statuspage.public.theme import contrast
from tests.browser.conftest import login
from tests.browser.scenarios import major_outage
from tests.factories import Factory

PageMaker = Callable[..., Page]
PHONE = {"width": 320, "height": 640}
CONSOLE_PHONE = {"width": 375, "height": 812}
SECTIONS = ["Incident response", "Audience", "Insight", "Admin"]
# Elements wider than the screen (the closed menu and skip link are out of the flow).
OVERFLOWING = """() => [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5
                 && getComputedStyle(e).position !== 'absolute'
                 && !e.closest('.sr, .tip, .skip, .visually-hidden, details:not([open])'))
    .map(e => e.tagName + '.' + e.className)"""


def _pages(factory: Factory) -> list[str]:
    group = factory.group("Platform services in the European region")
    api = factory.component("Public REST API with a rather long component name", group=group)
    factory.component("Dashboard", group=group)
    incident = factory.incident(
        name="Elevated error rates on the public API for customers in Europe",
        components={api: "major_outage"},
        body="A_very_long_identifier_without_any_spaces_that_could_push_the_layout_sideways "
             "and a table:\n\n| region | errors |\n|---|---|\n| eu-west-1 | 12% |",
    )
    factory.maintenance(components=[api])
    return ["/", f"/incidents/{incident.public_id}", "/history", "/subscribe", "/embed"]


def _rgb(color: str) -> str:
    return "rgb({}, {}, {})".format(*(int(color[i:i + 2], 16) for i in (1, 3, 5)))


def _csp_violations(page: Page) -> list[str]:
    found: list[str] = []

    def check(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            found.append(message.text)

    page.on("console", check)
    return found


def test_public_pages_fit_a_320_px_phone(new_page: PageMaker, factory: Factory) -> None:
    paths = _pages(factory)
    page = new_page(viewport=PHONE)
    violations = _csp_violations(page)
    for path in paths:
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} scrolls sideways: {width}px"
        overflowing = page.evaluate(OVERFLOWING)
        assert overflowing == [], (path, overflowing)
    page.goto("/")
    # The uptime bar shrinks into its own box: the last 30 days, each a visible sliver.
    days = page.locator(".bar").first.locator(".day:visible")
    expect(days).to_have_count(30)
    bar = page.locator(".bar").first.bounding_box()
    assert bar and bar["x"] >= 0 and bar["x"] + bar["width"] <= PHONE["width"]
    assert violations == []


@pytest.mark.parametrize(("scheme", "bg", "fg"), [
    ("light", "#f7f8fa", "#1b1f24"),
    ("dark", "#0f1216", "#e7eaee"),
])
def test_the_page_follows_the_system_colour_scheme(new_page: PageMaker, factory: Factory,
                                                   scheme: str, bg: str, fg: str) -> None:
    factory.component("API", status="degraded_performance")
    page = new_page(color_scheme=scheme)
    page.goto("/")
    body = page.evaluate("[getComputedStyle(document.body).backgroundColor,"
                         " getComputedStyle(document.body).color]")
    assert body == [_rgb(bg), _rgb(fg)]
    # The banner's text and fill come from the same scheme and stay readable.
    colours = page.locator(".banner").evaluate(
        "e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]")
    as_hex = ["#" + "".join(f"{int(c):02x}" for c in v[4:-1].split(", ")) for v in colours]
    assert contrast(*as_hex) >= 4.5, colours


def test_the_owner_accent_is_applied_with_readable_text(new_page: PageMaker,
                                                        factory: Factory) -> None:
    page_row = get_page()
    page_row.accent_color = "#ffff00"  # a yellow no white text is readable on
    touch_page()
    db.session.commit()
    factory.component("API")
    page = new_page()
    violations = _csp_violations(page)
    page.goto("/")
    cta = page.locator(".site-header a.cta")
    styles = cta.evaluate("e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).color]")
    assert styles == [_rgb("#ffff00"), _rgb("#000000")]
    link = page.locator("main .more a")
    link_color = link.evaluate("e => getComputedStyle(e).color")
    as_hex = "#" + "".join(f"{int(c):02x}" for c in link_color[4:-1].split(", "))
    assert contrast(as_hex, "#f7f8fa") >= 4.5  # darkened from the yellow, not the yellow
    assert violations == []


def test_console_on_a_phone_keeps_the_incident_work_one_tap_away(new_page: PageMaker,
                                                                 factory: Factory) -> None:
    site = major_outage(factory)
    assert site.incident is not None
    page = new_page(viewport=CONSOLE_PHONE, is_mobile=True, has_touch=True)
    login(page, "communicator")
    for path in ("/console/", f"/console/incidents/{site.incident.public_id}",
                 "/console/incidents/new"):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= CONSOLE_PHONE["width"], f"{path} scrolls sideways: {width}px"
        assert page.evaluate(OVERFLOWING) == [], path
    page.goto("/console/")
    banner = page.get_by_role("banner")
    work = banner.get_by_role("navigation", name="Incident work")
    for name in ("Dashboard", "Incidents", "Declare incident"):
        link = work.get_by_role("link", name=name)
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box and box["y"] + box["height"] <= 120, f"{name} is not in the top bar"
    expect(work.get_by_role("link", name="Dashboard")).to_have_attribute("aria-current", "page")
    # The rest waits behind Menu; the sidebar is a desktop thing.
    sections = page.get_by_role("navigation", name="Console")
    expect(sections).to_have_count(0)
    menu = banner.get_by_text("Menu", exact=True)
    menu.click()
    expect(sections).to_be_visible()
    for title in SECTIONS[:-1]:
        expect(sections.get_by_text(title, exact=True)).to_be_visible()
    expect(sections.get_by_text("Admin", exact=True)).to_have_count(0)  # a communicator
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= CONSOLE_PHONE["width"]
    sections.get_by_role("link", name="Subscribers").click()
    page.wait_for_url("**/console/subscribers")
    expect(page.get_by_role("navigation", name="Console")).to_have_count(0)  # closed again
    work.get_by_role("link", name="Declare incident").tap()
    page.wait_for_url("**/console/incidents/new")
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_console_on_a_desktop_shows_every_section_in_a_sidebar(page: Page,
                                                               factory: Factory) -> None:
    factory.component("API")
    login(page, "admin")
    page.goto("/console/maintenance")
    sidebar = page.get_by_role("navigation", name="Console")
    expect(sidebar).to_be_visible()
    for title in SECTIONS:
        expect(sidebar.get_by_text(title, exact=True)).to_be_visible()
    for name in ("Dashboard", "Incidents", "Subscribers", "Reports", "Audit log"):
        expect(sidebar.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(sidebar.get_by_role("link", name="Maintenance")).to_have_attribute(
        "aria-current", "page")
    expect(page.get_by_text("Menu", exact=True)).to_be_hidden()
    declare = page.get_by_role("banner").get_by_role("link", name="Declare incident")
    expect(declare).to_be_visible()
    main = page.get_by_role("main").bounding_box()
    side = sidebar.bounding_box()
    assert main and side and side["x"] + side["width"] <= main["x"]  # side by side
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
