"""Screenshots for the README, taken in the real browser: the public page when all is well and
during an incident (desktop 1280x800 and phone 375x812), and the console composer.

The pictures show today's date and uptime bars, so they change every day: a test writes
docs/screenshots/<name>.png only when the file is missing or UPDATE_SCREENSHOTS=1 (refresh them
with `UPDATE_SCREENSHOTS=1 .venv/bin/python -m pytest tests/browser/test_screenshots.py`).
Otherwise the screenshot is still taken and checked, so CI never dirties the working tree.
"""

from __future__ import annotations

import os
import struct

import pytest
from playwright.sync_api import Page, expect

from statuspage import ROOT
from tests.browser.conftest import PageMaker, login
from tests.browser.scenarios import major_outage, operational
from tests.delivery_support import add_subscribers
from tests.factories import Factory

SHOTS = ROOT / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}
NARROWEST = {"width": 320, "height": 640}


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def shoot(page: Page, name: str, *, full_page: bool = False) -> tuple[int, int]:
    """Take the screenshot; store it if missing or asked to. Returns its size in pixels.

    A whole page is taken by growing the viewport to the page's height: Chromium's own
    full_page capture leaves a sandboxed iframe (the composer's email preview) blank."""
    if full_page:
        size = page.viewport_size
        assert size is not None
        height = int(page.evaluate("document.documentElement.scrollHeight"))
        page.set_viewport_size({"width": size["width"], "height": max(height, size["height"])})
        page.wait_for_timeout(300)  # let the iframe repaint at the new size
    data = page.screenshot(animations="disabled", caret="hide")
    path = SHOTS / f"{name}.png"
    if os.environ.get("UPDATE_SCREENSHOTS") == "1" or not path.exists():
        SHOTS.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return _png_size(data)


def _scroll_width(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


@pytest.mark.parametrize("state", ["operational", "incident"])
def test_public_page_screenshots_on_desktop_and_phone(new_page: PageMaker, factory: Factory,
                                                      state: str) -> None:
    site = operational(factory) if state == "operational" else major_outage(factory)
    desktop = new_page(viewport=DESKTOP)
    desktop.goto("/")
    expect(desktop.locator(".banner")).to_be_visible()
    if site.incident is not None:
        expect(desktop.locator("#active-incidents")).to_be_visible()
    assert shoot(desktop, f"public-{state}-desktop") == (1280, 800)

    phone = new_page(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=1)
    phone.goto("/")
    assert _scroll_width(phone) <= PHONE["width"]
    assert shoot(phone, f"public-{state}-phone") == (375, 812)

    narrowest = new_page(viewport=NARROWEST, is_mobile=True)
    narrowest.goto("/")
    assert _scroll_width(narrowest) <= NARROWEST["width"], "sideways scrolling at 320 px"


def test_console_composer_screenshot(page: Page, factory: Factory) -> None:
    operational(factory)
    add_subscribers(1250)
    add_subscribers(40, "sms")
    login(page, "communicator")
    page.goto("/console/incidents/new")
    page.get_by_label("Title").fill("Elevated API error rates")
    page.get_by_label("Severity").select_option("SEV2")
    page.get_by_label("Platform - API", exact=True).select_option("partial_outage")
    page.get_by_label("Message (markdown)").fill(
        "About **5%** of API requests fail with a 502.\n\nWe are rolling back the last deploy.")
    page.get_by_role("button", name="Preview reach").click()
    expect(page.locator("#reach-preview .reach-total")).to_have_text("1250")
    # The email preview is an iframe: wait until it has painted its content.
    expect(page.frame_locator("iframe.reach-email").locator("h1")).to_have_text(
        "Elevated API error rates")
    width, height = shoot(page, "console-composer", full_page=True)
    assert width == 1280 and height >= 800


def test_subscribe_chat_screenshot(page: Page, factory: Factory) -> None:
    """The subscribe page's chat choice, with a URL pasted (Slack's documented example)."""
    operational(factory)
    page.set_viewport_size(DESKTOP)
    page.goto("/subscribe?channel=chat")
    expect(page.get_by_role("link", name="Chat")).to_have_attribute("aria-current", "page")
    address = page.locator("#address")
    address.fill("https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX")
    address.press("Home")  # the URL shown from its start
    page.get_by_label("Chat app").select_option("slack")
    page.get_by_role("heading", level=1).click()  # no focus ring in the picture
    assert shoot(page, "subscribe-chat") == (1280, 800)
