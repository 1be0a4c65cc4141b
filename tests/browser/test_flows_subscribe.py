"""Visitors subscribe on the public page: by email (link, update, one-click unsubscribe), by SMS.

What the "providers" were asked to send is read back from the fake SendGrid and Twilio; the
real worker process sends it.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, Playwright, expect
from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.models import Subscriber
from tests.browser.conftest import PageMaker, login
from tests.browser.live import LiveServer
from tests.browser.support import code_in, eventually, mails_to, open_incident, path_of, sms_to
from tests.factories import Factory
from tests.fakes.providers import FakeSendGrid, FakeTwilio

VISITOR = "visitor@example.org"
MOBILE = "+14155552671"


def _subscriber(address: str) -> Subscriber | None:
    db.session.expire_all()
    return db.session.execute(
        select(Subscriber).where(Subscriber.address == address)).scalar_one_or_none()


def test_email_subscriber_confirms_gets_the_next_update_and_unsubscribes_in_one_click(
    page: Page, new_page: PageMaker, live_server: LiveServer, factory: Factory,
    fake_sendgrid: FakeSendGrid, playwright_session: Playwright,
) -> None:
    factory.component("Website")
    page.goto("/")
    page.get_by_role("link", name="Subscribe to updates").click()
    page.get_by_label("Email address").fill(VISITOR)
    page.get_by_role("button", name="Subscribe").click()
    page.wait_for_url("**/subscribe/check-email")

    confirmation = eventually(lambda: mails_to(fake_sendgrid, VISITOR),
                              "the confirmation email")[0]
    page.goto(path_of(confirmation.link("/subscribe/confirm/")))
    page.get_by_role("button", name="Confirm subscription").click()
    page.wait_for_url(re.compile(r"/manage/[^?]+\?notice=confirmed"))
    expect(page.get_by_role("status")).to_have_text("Your subscription is confirmed.")
    assert (subscriber := _subscriber(VISITOR)) is not None and subscriber.is_active

    console = new_page()
    login(console, "admin")
    open_incident(console, "Website unreachable", severity="SEV2",
                  components={"Website": "major_outage"})
    update = eventually(lambda: mails_to(fake_sendgrid, VISITOR)[1:], "the incident email")[0]
    assert "Website unreachable" in update.subject
    assert update.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe_url = re.fullmatch(r"<(.+)>", update.headers["List-Unsubscribe"]).group(1)
    assert unsubscribe_url.startswith(live_server.url)

    # What a mailbox provider does (RFC 8058): a bare POST, no cookie, no redirect followed.
    mailbox = playwright_session.request.new_context()
    one_click = mailbox.post(unsubscribe_url, form={"List-Unsubscribe": "One-Click"},
                             max_redirects=0)
    assert one_click.status == 200
    mailbox.dispose()
    subscriber = live_server.wait_for(
        lambda: (s := _subscriber(VISITOR)) is not None and s.unsubscribed_at is not None,
        "the subscriber to be unsubscribed")
    assert subscriber

    page.goto(path_of(update.link("/manage/")))
    expect(page.locator(".state")).to_have_text(
        "Not subscribed: no messages are sent to this address.")


def test_sms_subscriber_confirms_with_the_texted_code(
    page: Page, live_server: LiveServer, fake_twilio: FakeTwilio,
) -> None:
    page.goto("/subscribe?channel=sms")
    page.get_by_label("Mobile number").fill(MOBILE)
    page.get_by_role("button", name="Subscribe").click()
    page.wait_for_url(re.compile(r"/subscribe/sms/\w+"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")

    text = eventually(lambda: sms_to(fake_twilio, MOBILE), "the code by SMS")[0]
    page.get_by_label("Code", exact=True).fill(code_in(text))
    page.get_by_role("button", name="Confirm", exact=True).click()
    page.wait_for_url(re.compile(r"/manage/[^?]+\?notice=confirmed"))
    expect(page.get_by_role("status")).to_have_text("Your subscription is confirmed.")
    expect(page.locator(".state")).to_have_text("Subscribed.")
    with live_server.app.app_context():
        subscriber = _subscriber(MOBILE)
        assert subscriber is not None and subscriber.confirmed_at is not None
        db.session.remove()
