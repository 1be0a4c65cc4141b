"""Keyboard only: the subscribe form, the incident composer and the console's phone menu work
with Tab, typing and Enter, and every element that takes focus on the way shows it."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.models import Component, Incident, Subscriber
from tests.browser.conftest import PageMaker, login
from tests.browser.live import LiveServer
from tests.factories import Factory

# A focus indicator: an outline or a box-shadow ring, drawn while the element has focus.
FOCUS_SHOWN = """el => {
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1;
  return outline || s.boxShadow !== 'none';
}"""
DESCRIBE = "el => el.outerHTML.slice(0, 160)"


def tab_to(page: Page, css: str, limit: int = 80) -> list[str]:
    """Press Tab until the focused element matches `css`; every stop must show its focus.

    Returns the elements passed on the way (for the failure message of a caller)."""
    passed = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.locator("*:focus")
        if focused.count() == 0:
            continue
        described = focused.evaluate(DESCRIBE)
        assert focused.evaluate(FOCUS_SHOWN), f"no visible focus on {described}"
        passed.append(described)
        if focused.evaluate("(el, css) => el.matches(css)", css):
            return passed
    raise AssertionError(f"Tab never reached {css}; went through {passed}")


def test_subscribe_form_with_the_keyboard_only(page: Page, live_server: LiveServer,
                                               factory: Factory) -> None:
    factory.component("API")
    website = factory.component("Website")
    page.goto("/")
    tab_to(page, "a[href='/subscribe']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/subscribe")

    tab_to(page, "#address")
    page.keyboard.type("keys@example.org")
    tab_to(page, f"input[name=components][value='{website.id}']")
    page.keyboard.press("Space")
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/subscribe/check-email")

    def chosen() -> list[str] | None:
        subscriber = db.session.execute(select(Subscriber).where(
            Subscriber.address == "keys@example.org")).scalar_one_or_none()
        return subscriber and [c.name for c in subscriber.components]

    assert live_server.wait_for(chosen, "the subscriber") == ["Website"]


def test_incident_composer_with_the_keyboard_only(page: Page, live_server: LiveServer,
                                                  factory: Factory) -> None:
    factory.component("API")
    login(page, "communicator")
    page.goto("/console/")
    tab_to(page, "a[href='/console/incidents']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/incidents")
    tab_to(page, "a[href='/console/incidents/new']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/incidents/new")

    tab_to(page, "input[name=name]")
    page.keyboard.type("Keyboard-only incident")
    tab_to(page, "select[name=severity]")
    page.keyboard.press("Home")  # SEV1, the first choice
    component = factory_component_id(live_server, "API")
    tab_to(page, f"select[name='component-{component}']")
    page.keyboard.press("End")  # the last status: under maintenance
    page.keyboard.press("ArrowUp")  # major outage
    tab_to(page, "textarea[name=body]")
    page.keyboard.type("Typed without a mouse.")
    tab_to(page, "button[value=publish]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/console/incidents/[^/]+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Keyboard-only incident")

    def opened() -> tuple[object, ...] | None:
        incident = db.session.execute(select(Incident).where(
            Incident.name == "Keyboard-only incident")).scalar_one_or_none()
        return incident and (incident.severity,
                             [(c.name, c.status) for c in incident.components],
                             [u.body for u in incident.updates])

    assert live_server.wait_for(opened, "the incident") == (
        "SEV1", [("API", "major_outage")], ["Typed without a mouse."])


def test_console_menu_on_a_phone_with_the_keyboard_only(new_page: PageMaker,
                                                       live_server: LiveServer) -> None:
    page = new_page(viewport={"width": 375, "height": 812})
    login(page, "admin")
    page.goto("/console/")
    tab_to(page, "details.menu > summary")
    page.keyboard.press("Enter")
    sections = page.get_by_role("navigation", name="Console")
    expect(sections).to_be_visible()
    tab_to(page, "a[href='/console/audit']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/audit")
    # Declaring is a few Tabs from the top of any page, without opening the menu.
    passed = tab_to(page, "a.declare")
    assert len(passed) <= 6, passed
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/incidents/new")


def factory_component_id(live_server: LiveServer, name: str) -> int:
    return int(live_server.wait_for(lambda: db.session.execute(
        select(Component.id).where(Component.name == name)).scalar(), name))
