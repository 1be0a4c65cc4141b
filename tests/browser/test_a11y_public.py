"""The public pages have no axe-core WCAG 2.1 A/AA violations, in light and dark schemes.

The front page is checked in each state it can be in (operational, degraded, major outage,
maintenance), since each brings its own colours and blocks.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.incidents import postmortems
from statuspage.incidents.lifecycle import post_update
from statuspage.incidents.updates import UpdateInput
from statuspage.models import StakeholderMember, Subscriber
from statuspage.plan import internal_links, yaml_io
from statuspage.plan import save as plan_save
from statuspage.plan.stakeholder_members import MemberInput
from statuspage.subscriptions import follows
from statuspage.subscriptions.links import confirm_url, manage_path, sms_code_path, unsubscribe_url
from tests.browser.a11y import assert_accessible, violations
from tests.browser.scenarios import STATES, operational
from tests.browser.support import path_of
from tests.delivery_support import add_subscribers
from tests.factories import Factory
from tests.stakeholder_support import group_with

BANNERS = {"operational": "none", "degraded": "minor", "major_outage": "critical",
           "maintenance": "maintenance"}


def test_the_checker_reports_violations(page: Page) -> None:
    """Zero violations below means something only if the same check finds real ones."""
    page.set_content("<html><body><div><img src='x.png'>"
                     "<p style='color:#ccc;background:#fff'>faint</p></div></body></html>")
    found = {v["id"] for v in violations(page)}
    assert {"image-alt", "color-contrast", "html-has-lang"} <= found  # WCAG rules
    assert {"page-has-heading-one", "landmark-one-main"} & found  # structure rules are on too


@pytest.mark.parametrize("state", list(STATES))
def test_front_page_is_accessible_in_every_state(page: Page, factory: Factory,
                                                 state: str) -> None:
    STATES[state](factory)
    page.goto("/")
    expect(page.locator(".banner")).to_have_class(re.compile(rf"indicator-{BANNERS[state]}\b"))
    assert_accessible(page, f"/ ({state})")


# A postmortem as the scaffold lays it out: its headings go under the page's h2 "Postmortem"
# (statuspage.core.rendering heading_base), with a list, a timeline table and a skipped level.
POSTMORTEM = """## Summary

Emails were delayed by up to **20 minutes** for three hours.

## Timeline

| Time | Status | What we said |
| --- | --- | --- |
| 09:10 | Investigating | Emails are delayed. |
| 10:20 | Resolved | Queues drained. |

#### Detail

- A full queue
- Slow retries
"""


def test_incident_page_and_history_are_accessible(page: Page, factory: Factory) -> None:
    site = STATES["degraded"](factory)
    assert site.incident is not None
    postmortems.save_draft(site.past, POSTMORTEM, None)
    postmortems.publish(site.past, notify=False, actor=None)
    done = postmortems.add_action_item(site.past, "Alert on queue age", "SRE", None, None,
                                       public=True)
    postmortems.add_action_item(site.past, "Autoscale the senders", "", None, None,
                                public=True)
    postmortems.set_action_item_done(site.past, done.id, True, None)
    for path in (f"/incidents/{site.incident.public_id}", f"/incidents/{site.past.public_id}",
                 "/history"):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_accessible(page, path)
    page.goto(f"/incidents/{site.past.public_id}")
    expect(page.get_by_role("heading", level=3, name="Summary")).to_be_visible()
    expect(page.get_by_role("heading", level=4, name="Detail")).to_be_visible()
    expect(page.get_by_role("table").get_by_role("cell", name="Queues drained.")).to_be_visible()
    expect(page.get_by_role("heading", level=3, name="Follow-up actions")).to_be_visible()


def test_subscribe_pages_are_accessible(page: Page, factory: Factory) -> None:
    operational(factory)
    for channel in ("email", "sms", "webhook"):
        page.goto(f"/subscribe?channel={channel}")
        assert_accessible(page, f"/subscribe ({channel})")
    # The form with an error, as a visitor who typed a bad address sees it.
    page.goto("/subscribe?channel=email")
    page.locator("#address").fill("not an address")
    page.get_by_role("button", name="Subscribe").click()
    expect(page.locator(".field-error, .error-summary").first).to_be_visible()
    assert_accessible(page, "/subscribe (with an error)")
    page.locator("#address").fill("reader@example.org")
    page.get_by_role("button", name="Subscribe").click()
    page.wait_for_url("**/subscribe/check-email")
    assert_accessible(page, "/subscribe/check-email")


def test_follow_page_is_accessible(page: Page, factory: Factory) -> None:
    """"Get updates on this incident": both channels, and the form with an error."""
    site = STATES["degraded"](factory)
    assert site.incident is not None
    page.goto(f"/incidents/{site.incident.public_id}")
    page.get_by_role("link", name="By text message").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Get updates on this incident")
    assert_accessible(page, "follow (sms)")
    page.goto(f"/incidents/{site.incident.public_id}/subscribe?channel=email")
    assert_accessible(page, "follow (email)")
    page.get_by_label("Email address").fill("not an address")
    page.get_by_role("button", name="Get updates").click()
    expect(page.locator("#address-error")).to_be_visible()
    expect(page.get_by_label("Email address")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "follow (with an error)")
    following = follows.follow(site.incident, "email", "reader@example.org", "en", None)
    page.goto(manage_path(following))
    expect(page.get_by_role("button", name="Stop following this incident")).to_be_visible()
    assert_accessible(page, "manage (a follow)")


def test_confirm_code_manage_and_unsubscribe_pages_are_accessible(
    page: Page, factory: Factory,
) -> None:
    operational(factory)
    pending_email, = add_subscribers(1, state="unconfirmed", address=lambda n: "new@example.org")
    pending_sms, = add_subscribers(1, "sms", state="unconfirmed")
    active, = add_subscribers(1, address=lambda n: "reader@example.org")
    subscribers = {s.id: s for s in db.session.execute(select(Subscriber)).scalars()}

    pages = {
        "confirm": path_of(confirm_url(subscribers[pending_email])),
        "sms code": sms_code_path(subscribers[pending_sms]),
        "manage": manage_path(subscribers[active]),
        "unsubscribe": path_of(unsubscribe_url(subscribers[active])),
    }
    for name, path in pages.items():
        answer = page.goto(path)
        assert answer is not None and answer.status == 200, name
        assert_accessible(page, name)
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You are unsubscribed")
    assert_accessible(page, "unsubscribed")
    page.goto(pages["manage"])
    expect(page.get_by_role("button", name="Subscribe again")).to_be_visible()
    assert_accessible(page, "manage (unsubscribed)")


def test_uptime_bars_have_a_text_alternative(page: Page, factory: Factory) -> None:
    site = STATES["degraded"](factory)
    page.goto("/")
    bar = page.get_by_role("list", name="API: status of each of the last 90 days")
    expect(bar).to_be_visible()
    days = bar.get_by_role("listitem")
    expect(days).to_have_count(90)
    # Each day says in words which day it is and how it went; colour is not the only cue.
    today = days.last
    assert site.incident is not None
    expect(today).to_contain_text(site.incident.name)
    expect(today.locator("time")).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\d$"))
    expect(today.locator(".tip-status")).to_have_text(re.compile(r"\w"))
    # The same words are what a screen reader gets for the day.
    name = today.evaluate("li => li.textContent")
    assert site.incident.name in name and re.search(r"\d", name)
    expect(page.get_by_text(re.compile(r"\d+(\.\d+)?\s?% uptime")).first).to_be_visible()


def test_internal_incident_view_is_accessible(page: Page, factory: Factory) -> None:
    """A stakeholder's view, with an internal update and a public one awaiting approval."""
    site = STATES["degraded"](factory)
    assert site.incident is not None
    group_with("Executives", MemberInput("Ada", "ada@example.com"))
    member = db.session.execute(select(StakeholderMember)).scalar_one()
    post_update(site.incident, UpdateInput(status="identified", body="Root cause found.",
                                           visibility="internal"), None)
    plan_save.seed_default_plan()
    yaml_io.import_yaml(yaml_io.export_yaml().replace("approval: false", "approval: true"), None)
    draft = post_update(site.incident, UpdateInput(
        status="monitoring", body="A fix is rolling out.",
        component_statuses={site.api.id: "operational"}), factory.user(role="communicator"))
    assert draft.state == "draft"
    path = path_of(internal_links.internal_url(member.public_id, site.incident.public_id))

    answer = page.goto(path)

    assert answer is not None and answer.status == 200
    expect(page.get_by_role("heading", name="Not public yet")).to_be_visible()
    assert_accessible(page, "internal incident view")
