"""An approver's open dashboard shows a colleague's new draft without a reload, and never
sweeps away what the approver is typing in a card."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.approval_support import require_approval
from tests.browser.a11y import assert_accessible
from tests.browser.conftest import PageMaker, login
from tests.browser.support import eventually, mails_to, open_incident
from tests.factories import Factory
from tests.fakes.providers import FakeSendGrid


def test_a_new_draft_appears_on_an_open_dashboard_and_typing_is_kept(
    page: Page, new_page: PageMaker, factory: Factory, fake_sendgrid: FakeSendGrid,
) -> None:
    factory.component("Checkout")
    require_approval()
    login(page, "approver")
    expect(page.locator("#approvals")).to_contain_text("No update is waiting")
    expect(page.locator("#nav-approvals")).to_be_hidden()

    author = new_page()
    login(author, "communicator")
    public_id = open_incident(author, "Checkout errors", severity="SEV1",
                              components={"Checkout": "partial_outage"},
                              body="Some orders **fail** at checkout.")

    # Within one poll (10 s) and without a reload: the card, the count, title and badge.
    card = page.locator(f"#approvals article.draft:has(a[href$='{public_id}'])")
    expect(card).to_contain_text("Some orders fail at checkout.", timeout=15_000)
    expect(card).to_contain_text("Not public yet → Investigating")
    expect(card).to_contain_text("Checkout: Operational → Partial Outage")
    expect(page.locator("#approvals-title")).to_contain_text("1")
    expect(page).to_have_title(re.compile(r"^\(1\) Dashboard"))
    expect(page.locator("#nav-approvals")).to_be_visible()
    assert_accessible(page, "dashboard with a waiting update")
    mail = eventually(lambda: mails_to(fake_sendgrid, "approver@example.com"),
                      "the approval notice")[0]
    assert mail.subject.endswith("Approval needed: Checkout errors (SEV1)")
    assert f"/console/incidents/{public_id}#draft-" in mail.text

    # The approver starts a comment; a second draft arrives: the counts move, the card and
    # the typed comment stay until the approver is done.
    card.get_by_label("Comment").fill("Checking the wording with support")
    page.locator("body").click(position={"x": 5, "y": 5})  # the field loses focus, stays dirty
    author.goto(f"/console/incidents/{public_id}")
    composer = author.locator("section.composer:has(#update-title)")
    composer.get_by_label("Message (markdown)").fill("Card payments only.")
    author.get_by_role("button", name="Post update").click()
    expect(page.locator("#approvals-title")).to_contain_text("2", timeout=15_000)
    expect(page.locator("#approvals article.draft")).to_have_count(1)
    expect(card.get_by_label("Comment")).to_have_value("Checking the wording with support")

    card.get_by_role("button", name="Approve and publish").click()
    expect(page.get_by_role("status").filter(has_text="Update approved and published")
           ).to_be_visible()

    # The incident page's cards (the approver's and the author's) and the author's edit page.
    expect(page.locator("#approvals article.draft")).to_contain_text("Card payments only.")
    assert_accessible(page, "incident page with a waiting update (approver)")
    author.goto(f"/console/incidents/{public_id}")
    author.locator("#approvals").get_by_role("link", name="Edit the draft").click()
    expect(author.get_by_label("Message (markdown)")).to_have_value("Card payments only.")
    assert_accessible(author, "editing a waiting draft")
