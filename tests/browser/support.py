"""Helpers for the browser tests: read what the fake providers captured, wait, pull links."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from playwright.sync_api import Page

from tests.fakes.providers import FakeSendGrid, FakeTwilio

T = TypeVar("T")
_LINK = re.compile(r"https?://[^\s\"'<>]+")


@dataclass(frozen=True)
class CapturedMail:
    """One recipient's copy of a mail/send request, with their substitutions filled in."""

    to: str
    subject: str
    text: str
    html: str
    headers: dict[str, str]

    def link(self, path_part: str) -> str:
        """The first URL in the text part whose path contains `path_part`."""
        for url in _LINK.findall(self.text):
            if path_part in url:
                return url
        raise AssertionError(f"no {path_part} link in: {self.text!r}")


def mails_to(fake: FakeSendGrid, address: str) -> list[CapturedMail]:
    """Every mail the fake SendGrid was asked to send to `address`, oldest first."""
    found = []
    for request in list(fake.sends):
        body: dict[str, Any] = request.json
        contents = {c["type"]: c["value"] for c in body.get("content", [])}
        for person in body["personalizations"]:
            if person["to"][0]["email"] != address:
                continue
            text, html = contents.get("text/plain", ""), contents.get("text/html", "")
            for key, value in (person.get("substitutions") or {}).items():
                text, html = text.replace(key, value), html.replace(key, value)
            found.append(CapturedMail(
                to=address, subject=person.get("subject") or body.get("subject", ""),
                text=text, html=html,
                headers={**body.get("headers", {}), **person.get("headers", {})}))
    return found


def sms_to(fake: FakeTwilio, number: str) -> list[str]:
    """The bodies of every SMS the fake Twilio was asked to send to `number`."""
    return [r.param("Body") or "" for r in list(fake.messages) if r.param("To") == number]


def eventually(check: Callable[[], T], what: str, timeout: float = 30) -> T:
    """Poll `check` until it returns something truthy (the worker runs on its own time)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def path_of(url: str) -> str:
    """The path (and query) of an absolute link, to open it on the live server."""
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def code_in(body: str) -> str:
    match = re.search(r"\b(\d{6})\b", body)
    assert match, f"no code in {body!r}"
    return match.group(1)


def create_component(page: Page, name: str) -> None:
    """Add a component through the console form (the user must be logged in)."""
    page.goto("/console/components/new")
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_role("button", name="Create component").click()
    page.wait_for_url("**/console/components")


def csrf_token(page: Page) -> str:
    """The CSRF token of the form on the current page."""
    value = page.locator("input[name=csrf_token]").first.get_attribute("value")
    assert value, "no csrf_token on the page"
    return value


def open_incident(page: Page, name: str, *, severity: str = "SEV2",
                  components: dict[str, str] | None = None, body: str = "We are on it.",
                  button: str = "Declare incident") -> str:
    """Open an incident through the console composer; returns its public id."""
    page.goto("/console/incidents/new")
    page.get_by_label("Title").fill(name)
    page.get_by_label("Severity").select_option(severity)
    for component, status in (components or {}).items():
        page.get_by_label(component, exact=True).select_option(status)
    page.get_by_label("Message (markdown)").fill(body)
    page.get_by_role("button", name=button).click()
    page.wait_for_url(re.compile(r"/console/incidents/[^/]+$"))
    return page.url.rstrip("/").rsplit("/", 1)[1]
