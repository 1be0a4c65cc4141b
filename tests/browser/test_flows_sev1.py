"""A whole SEV1 as a communications lead and an approver run it, with one stakeholder watching.

declare (approval on) -> the approver is told (email and SMS in the dev outbox) -> the card
appears on the approver's open dashboard without a reload -> approve with an edit -> an
internal update reaches the stakeholder at once, whose link opens the internal view -> the
cadence reminder -> an update rejected (the lead is told, the text comes back) -> break glass
-> resolve -> the postmortem from the scaffold, approved, headings on the page and in the email
-> the metrics show the delays this test measured, and the follow-up list shows the actions.
Chat too (tests/browser/chat_steps.py): the lead adds the Executives' Slack and Teams channels
on the group page, a customer subscribes their Discord channel on /subscribe and confirms it;
the internal update reaches Slack and Teams only, the public ones Discord, each once.

The site runs as `make run` does (no provider credentials), so every email and SMS lands in the
dev outbox, and the users read them there; chat goes to the local fake endpoints
(tests/fakes/chat.py). Every step checks what the user sees.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from statuspage.core.extensions import db
from statuspage.incidents import cadence
from statuspage.models import Subscriber, utcnow
from statuspage.plan import rules as plan
from statuspage.plan import save as plan_save
from statuspage.plan.save import seed_default_plan
from statuspage.plan.stakeholder_members import MemberInput, add_member
from statuspage.plan.stakeholders import get_group
from statuspage.tasks import queues as tasks
from tests.browser.chat_steps import (
    ChatChannels,
    add_group_chats,
    check_public_message,
    shown,
    subscribe_discord,
)
from tests.browser.conftest import PageMaker, page_maker
from tests.browser.live import LiveServer, reset_database, running_site
from tests.browser.support import path_of
from tests.browser.test_screenshots import shoot
from tests.factories import PASSWORD, Factory
from tests.fakes.chat import FakeChat

LEAD = "lead@example.com"  # an admin: the communications lead, who may break glass
APPROVER = "approver@example.com"  # a communicator with a phone
APPROVER_PHONE = "+12025550150"
ADA = "ada@example.com"  # the stakeholder (Executives), by email and SMS
ADA_PHONE = "+12025550143"
READER = "reader@example.com"  # a public email subscriber
_LINK = re.compile(r"https?://[^\s\"'<>]+")


@pytest.fixture(scope="module")
def dev_site(_require_browser: None, tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[LiveServer]:
    """The Procfile's processes without provider credentials: the dev outbox gets it all."""
    with running_site(tmp_path_factory.mktemp("dev-site"), None, None) as server:
        with server.app.app_context():
            factory = Factory()
            factory.user(role="admin", email=LEAD, name="Lena Lead")
            factory.user(role="communicator", email=APPROVER, name="Arne Approver",
                         phone=APPROVER_PHONE)
            db.session.remove()
        yield server


@pytest.fixture
def open_page(browser: Browser, dev_site: LiveServer) -> Iterator[PageMaker]:
    """A page (a fresh context: its own cookies) on the dev site; see conftest.page_maker."""
    with page_maker(browser, dev_site.url) as make:
        yield make


@pytest.fixture
def sev1_site(dev_site: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveServer]:
    """The default plan with SEV1 public updates waiting for approval, two components, the
    Executives group with one member and one public email subscriber."""
    monkeypatch.setattr(tasks, "_app", dev_site.app)
    with dev_site.app.app_context():
        reset_database()
        factory = Factory()
        factory.component("Checkout")
        factory.component("Login")
        seed_default_plan()
        rows = plan.load_plan()
        rows["SEV1"].approval = True
        plan_save._write(rows)
        db.session.commit()
        executives = plan._group_keys()["Executives"]
        add_member(get_group(executives), MemberInput("Ada", ADA, ADA_PHONE), None)
        db.session.add(Subscriber(channel="email", address=READER, confirmed_at=utcnow(),
                                  consent_at=utcnow()))
        db.session.commit()
        yield dev_site
        db.session.remove()


def login(page: Page, email: str) -> None:
    page.goto("/console/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/console" in url and "/login" not in url)


def outbox_message(page: Page, to: str, *texts: str, timeout: float = 30) -> Locator:
    """The newest dev-outbox message to `to` holding every text, reloading the outbox as a
    user would until the worker has recorded it."""
    deadline = time.monotonic() + timeout
    while True:
        page.goto("/console/outbox")
        found = page.locator("ul.outbox > li").filter(has_text=f"To {to}")
        for text in texts:
            found = found.filter(has_text=text)
        if found.count():
            message = found.first
            for details in message.locator("details").all():
                details.evaluate("d => d.open = true")
            return message
        assert time.monotonic() < deadline, f"no message to {to} with {texts} in the outbox"
        time.sleep(0.3)


def link_in(message: Locator, part: str) -> str:
    for url in _LINK.findall(message.inner_text()):
        if part in url:
            return path_of(url)
    raise AssertionError(f"no {part} link in {message.inner_text()!r}")


def card(page: Page, text: str) -> Locator:
    return page.locator("#approvals article.draft").filter(has_text=text)


def seconds_of(locator: Locator) -> float:
    """A duration the page shows, from its <time datetime="PT…S">."""
    value = locator.get_attribute("datetime") or ""
    match = re.fullmatch(r"PT([0-9.]+)S", value)
    assert match, value
    return float(match.group(1))


def section(page: Page, title_id: str) -> Locator:
    return page.locator(f"section[aria-labelledby={title_id}]")


def test_a_sev1_from_declaration_to_postmortem(sev1_site: LiveServer, open_page: PageMaker,
                                               fake_chat: FakeChat) -> None:
    lead, approver = open_page(), open_page()
    login(approver, APPROVER)
    expect(approver.locator("#approvals")).to_contain_text("No update is waiting")

    # -- Chat: the Executives' Slack and Teams channels; a customer's Discord, confirmed. ---
    login(lead, LEAD)
    chats = ChatChannels.on(fake_chat, sev1_site)
    add_group_chats(lead, "Executives", chats)
    shoot(lead, "console-group-chat")
    subscribe_discord(open_page(), chats)

    # -- Declare, with a back-dated impact start. -------------------------------------------
    lead.goto("/console")
    lead.get_by_role("main").get_by_role("link", name="Declare incident").click()
    started = (datetime.now(UTC) - timedelta(minutes=12)).replace(second=0, microsecond=0)
    lead.get_by_label("Title").fill("Checkout failing for all customers")
    lead.get_by_label("Severity").select_option("SEV1")
    summary = lead.locator("#plan-summary-SEV1")
    expect(summary).to_be_visible()
    expect(summary.locator(".plan-summary-approval")).to_contain_text("Wait for approval")
    expect(summary.locator(".plan-summary-cadence")).to_contain_text("every 30 minutes")
    # The lead is whoever declares, unless changed: reminders are never off by omission.
    expect(lead.get_by_label("Communications lead").locator("option:checked")).to_contain_text(
        LEAD)
    lead.get_by_label("Started at (leave empty for now)").fill(started.strftime("%Y-%m-%dT%H:%M"))
    lead.get_by_label("Checkout", exact=True).select_option("major_outage")
    lead.get_by_label("Message (markdown)").fill(
        "Checkout fails for every customer. We are investigating.")
    shoot(lead, "console-declare", full_page=True)
    declared = time.time()
    lead.get_by_role("main").get_by_role("button", name="Declare incident").click()
    lead.wait_for_url(re.compile(r"/console/incidents/[^/]+$"))
    public_id = lead.url.rsplit("/", 1)[1]
    expect(lead.get_by_role("status").filter(has_text="waits for approval")).to_be_visible()

    # -- The approver is told at once; the open dashboard shows it without a reload. --------
    opening = card(approver, "Checkout failing for all customers")
    expect(opening).to_be_visible(timeout=20_000)
    expect(opening).to_contain_text("SEV1")
    expect(opening).to_contain_text("Checkout: Operational → Major Outage")
    expect(opening.locator(".draft-reach")).to_contain_text("Public subscribers, email: 1")
    expect(approver).to_have_title(re.compile(r"^\(1\) Dashboard"))
    declared_row = approver.locator("#dashboard-live tr").filter(has_text="Checkout failing")
    expect(declared_row).to_contain_text("not public yet", timeout=20_000)
    expect(declared_row).to_contain_text("No public update yet")
    shoot(approver, "console-approval-card", full_page=True)
    mail_page = open_page()
    login(mail_page, APPROVER)
    notice = outbox_message(mail_page, APPROVER, "Approval needed", "SEV1")
    expect(notice).to_contain_text("Checkout failing for all customers")
    outbox_message(mail_page, APPROVER_PHONE, "Checkout failing")

    # -- The stakeholder heard at once, and their link opens the internal view. ------------
    ada_mail = outbox_message(mail_page, ADA, "Awaiting approval")
    stakeholder = open_page()
    stakeholder.goto(link_in(ada_mail, "/internal/"))
    expect(stakeholder.get_by_role("heading", level=1)).to_contain_text(
        "Checkout failing for all customers")
    expect(stakeholder.locator("main")).to_contain_text("Not public yet")
    visitor = open_page()
    visitor.goto("/")
    expect(visitor.locator("main")).not_to_contain_text("Checkout failing")

    # -- Approve with an edit. ---------------------------------------------------------------
    opening.get_by_label("Text to publish (you may correct it)").fill(
        "Customers cannot complete checkout. We are investigating and will update within "
        "30 minutes.")
    first_public = time.time()
    opening.get_by_role("button", name="Approve and publish").click()
    expect(approver.get_by_role("status").filter(has_text="Edited and published")).to_be_visible()
    visitor.goto("/")
    expect(visitor.locator("main")).to_contain_text("Customers cannot complete checkout.")
    check_public_message(visitor, chats, chats.wait_for(
        chats.discord, "Customers cannot complete checkout."))

    # -- An internal update reaches the stakeholder at once. ----------------------------------
    lead.goto(f"/console/incidents/{public_id}")
    composer = section(lead, "update-title")
    composer.get_by_label("Status").select_option("identified")
    composer.get_by_label("Visibility").select_option("internal")
    composer.get_by_label("Message (markdown)").fill(
        "The payments database failed over; writes are refused. ETA 20 min.")
    composer.get_by_role("button", name="Post update").click()
    expect(lead.get_by_role("status").filter(has_text="Internal update sent")).to_be_visible()
    internal_mail = outbox_message(mail_page, ADA, "[Internal]")
    stakeholder.goto(link_in(internal_mail, "/internal/"))
    expect(stakeholder.locator("main")).to_contain_text("writes are refused")
    expect(stakeholder.locator("main")).to_contain_text("Customers cannot complete checkout.")
    for url in chats.group:  # the group's channels, not the public's
        chats.wait_for(url, "[Internal] Checkout failing", "writes are refused")
    assert not [m for m in fake_chat.messages(chats.discord) if "refused" in shown(m)]
    visitor.goto(f"/incidents/{public_id}")
    expect(visitor.locator("main")).not_to_contain_text("writes are refused")

    # -- The cadence reminder, as the worker sends it 31 minutes on. --------------------------
    with sev1_site.app.app_context():
        assert cadence.send_due_reminders(utcnow() + timedelta(minutes=31)) == [public_id]
        db.session.remove()
    outbox_message(mail_page, LEAD, "Update due", "Checkout failing")

    # -- An update rejected: the lead is told and finds the text back in the composer. ------
    composer.get_by_label("Status").select_option("identified")
    composer.get_by_label("Visibility").select_option("public")
    rejected_text = "The cause is a failed failover of the payments database."
    composer.get_by_label("Message (markdown)").fill(rejected_text)
    composer.get_by_role("button", name="Post update").click()
    expect(lead.get_by_role("status").filter(has_text="submitted for approval")).to_be_visible()
    update_card = card(approver, rejected_text)
    expect(update_card).to_be_visible(timeout=20_000)
    update_card.get_by_label("Comment").fill("Say what customers can do; no database names.")
    update_card.get_by_role("button", name="Reject").click()
    expect(approver.get_by_role("status").filter(has_text="rejected")).to_be_visible()
    rejection = outbox_message(mail_page, LEAD, "rejected")
    expect(rejection).to_contain_text("Say what customers can do; no database names.")
    lead.goto(f"/console/incidents/{public_id}")
    expect(lead.locator("main")).to_contain_text("Your text is back in the composer.")
    expect(section(lead, "update-title").get_by_label("Message (markdown)")).to_have_value(
        rejected_text)

    # -- Break glass: the approver is away; the lead (an admin) publishes with a reason. ----
    fixed = "We found the cause and are restoring checkout. Orders placed earlier are safe."
    section(lead, "update-title").get_by_label("Message (markdown)").fill(fixed)
    section(lead, "update-title").get_by_role("button", name="Post update").click()
    mine = card(lead, fixed)
    mine.locator("summary", has_text="break glass").click()
    reason = "Approver in a bridge call; customers need this now."
    mine.get_by_label(re.compile("Reason")).fill(reason)
    mine.get_by_role("button", name="Publish without approval").click()
    expect(lead.get_by_role("status").filter(has_text="break glass")).to_be_visible()
    expect(lead.locator(".timeline")).to_contain_text(reason)
    lead.goto("/console/audit")
    expect(lead.locator("main")).to_contain_text("incident.update_break_glass")
    expect(lead.locator("main")).to_contain_text(reason)
    visitor.goto(f"/incidents/{public_id}")
    expect(visitor.locator("main")).to_contain_text("Orders placed earlier are safe.")

    # -- Resolve: the resolution waits for the approver too. ----------------------------------
    lead.goto(f"/console/incidents/{public_id}")
    resolve = section(lead, "resolve-title")
    resolve.get_by_label("Message (markdown)").fill("Checkout works again for everyone.")
    resolve_submitted = time.time()
    resolve.get_by_role("button", name="Resolve incident").click()
    expect(lead.get_by_role("status").filter(has_text="Resolution submitted")).to_be_visible()
    resolution = card(approver, "Checkout works again")
    expect(resolution).to_be_visible(timeout=20_000)
    resolved = time.time()
    resolution.get_by_role("button", name="Approve and publish").click()
    expect(approver.get_by_role("status").filter(has_text="approved")).to_be_visible()
    visitor.goto(f"/incidents/{public_id}")
    expect(visitor.locator("main")).to_contain_text("Checkout works again for everyone.")

    # -- The postmortem, from the scaffold, approved. -------------------------------------------
    lead.goto(f"/console/incidents/{public_id}/postmortem")
    editor = lead.get_by_label("Postmortem (markdown)")
    scaffold = editor.input_value()
    assert "## Timeline" in scaffold and "## What went well" in scaffold
    assert "Customers cannot complete checkout." in scaffold  # the timeline, prefilled
    written = re.sub(r"^- ?_[^\n]*_$|^_[^\n]*_$", "Checked with the on-call team.", scaffold,
                     flags=re.M)
    written = written.replace(
        "## Summary\n\nChecked with the on-call team.",
        "## Summary\n\nCheckout failed for every customer for about half an hour.\n\n"
        "### What customers saw\n\n- An error on the payment page\n- No order confirmation")
    editor.fill(written)
    lead.get_by_role("button", name="Save", exact=True).click()
    lead.get_by_role("textbox", name="Action item", exact=True).fill(
        "Alert when database failover takes over 60 s")
    lead.get_by_label("or owner (team or person)").fill("Platform team")
    lead.get_by_label("Due date").fill((datetime.now(UTC) - timedelta(days=1)).date().isoformat())
    lead.get_by_role("button", name="Add", exact=True).click()
    lead.get_by_role("button", name="Submit for approval").click()
    expect(lead.locator("main")).to_contain_text("Submitted for approval")
    review = card(approver, "Postmortem")
    expect(review).to_be_visible(timeout=20_000)
    review.get_by_role("button", name="Approve and publish").click()
    visitor.goto(f"/incidents/{public_id}")
    expect(visitor.get_by_role("heading", level=3, name="Summary")).to_be_visible()
    expect(visitor.get_by_role("heading", level=4, name="What customers saw")).to_be_visible()
    expect(visitor.locator("main table")).to_contain_text("Customers cannot complete checkout.")
    email = outbox_message(mail_page, READER, "Postmortem")
    html = email.frame_locator("iframe.outbox-html")
    expect(html.get_by_role("heading", name="What customers saw")).to_be_visible()
    expect(html.locator("li", has_text="No order confirmation")).to_be_visible()

    # -- The numbers: the delays this test measured, within a second. -------------------------
    lead.goto(f"/console/incidents/{public_id}/postmortem")
    first = lead.locator("#metric-first-update time")
    assert abs(seconds_of(first.nth(0)) - (first_public - declared)) <= 1
    assert abs(seconds_of(first.nth(1)) - (first_public - started.timestamp())) <= 1
    assert abs(seconds_of(lead.locator("#metric-detection time"))
               - (declared - started.timestamp())) <= 1
    to_resolve = lead.locator("#metric-resolve time").nth(0)
    assert abs(seconds_of(to_resolve) - (resolved - started.timestamp())) <= 1
    waited = lead.locator("#metric-approval")
    expect(waited).to_contain_text("3 updates waited")
    assert resolved > resolve_submitted

    lead.goto("/console/follow-ups")
    row = lead.locator("tr").filter(has_text="Alert when database failover takes over 60 s")
    expect(row).to_contain_text("OVERDUE")
    expect(row).to_contain_text("Platform team")

    # -- Chat: each channel got what the plan sends it, once; the public no internal text. --
    for url in (*chats.group, chats.discord):
        chats.wait_for(url, "Read the postmortem")
    drafted = "[Awaiting approval]"  # groups are told of drafts at once, not again unedited
    # Compared as sets of messages: two drafts a second apart may arrive in either order on a
    # slow machine (each is its own delivery task).
    for url in chats.group:
        assert sorted(chats.summary(url)) == sorted([
            (drafted, "Checkout fails for every customer"),
            ("", "Customers cannot complete checkout"), ("[Internal]", "writes are refused"),
            (drafted, "failed failover"), (drafted, "Orders placed earlier are safe"),
            (drafted, "Checkout works again"), ("", "Read the postmortem")]), url
    assert sorted(chats.summary(chats.discord)) == sorted([
        ("", "Confirm your subscription"), ("", "Customers cannot complete checkout"),
        ("", "Orders placed earlier are safe"), ("", "Checkout works again"),
        ("", "Read the postmortem")])
    chats.check_messages()



class Clicks:
    """Counts what the user does with the pointer (clicks and choices in a select)."""

    def __init__(self) -> None:
        self.count = 0

    def click(self, locator: Locator) -> None:
        self.count += 1
        locator.click()

    def select(self, locator: Locator, value: str) -> None:
        self.count += 1
        locator.select_option(value)


def test_a_lead_alone_reaches_the_public_in_four_clicks_from_the_dashboard(
    sev1_site: LiveServer, open_page: PageMaker,
) -> None:
    """Without approval (SEV2 in the default plan): Declare incident, choose the severity and
    the affected component, type, Declare: the public page shows it."""
    lead, visitor = open_page(), open_page()
    clicks = Clicks()
    login(lead, LEAD)
    clicks.click(lead.get_by_role("main").get_by_role("link", name="Declare incident"))
    lead.get_by_label("Title").fill("Search is slow")
    clicks.select(lead.get_by_label("Severity"), "SEV2")
    expect(lead.locator("#plan-summary-SEV2 .plan-summary-approval")).to_contain_text(
        "Published at once")
    clicks.select(lead.get_by_label("Login", exact=True), "degraded_performance")
    lead.get_by_label("Message (markdown)").fill("Logins take up to 20 seconds. We are on it.")
    clicks.click(lead.get_by_role("main").get_by_role("button", name="Declare incident"))
    expect(lead.get_by_role("status").filter(has_text="published")).to_be_visible()
    visitor.goto("/")
    expect(visitor.locator("main")).to_contain_text("Logins take up to 20 seconds.")
    assert clicks.count == 4


def test_with_an_approver_the_public_hears_once_the_card_is_approved(
    sev1_site: LiveServer, open_page: PageMaker,
) -> None:
    """SEV1 with approval on: the lead declares; the approver, already on the dashboard,
    approves the card when it appears there (no reload): five clicks in all."""
    lead, approver, visitor = open_page(), open_page(), open_page()
    login(approver, APPROVER)
    clicks = Clicks()
    login(lead, LEAD)
    clicks.click(lead.get_by_role("main").get_by_role("link", name="Declare incident"))
    lead.get_by_label("Title").fill("Checkout failing")
    clicks.select(lead.get_by_label("Severity"), "SEV1")
    clicks.select(lead.get_by_label("Checkout", exact=True), "major_outage")
    lead.get_by_label("Message (markdown)").fill("Checkout fails. We are investigating.")
    clicks.click(lead.get_by_role("main").get_by_role("button", name="Declare incident"))
    waiting = card(approver, "Checkout failing")
    expect(waiting).to_be_visible(timeout=20_000)
    clicks.click(waiting.get_by_role("button", name="Approve and publish"))
    expect(approver.get_by_role("status").filter(has_text="approved")).to_be_visible()
    visitor.goto("/")
    expect(visitor.locator("main")).to_contain_text("Checkout fails. We are investigating.")
    assert clicks.count == 5  # the lead's four, the approver's one
