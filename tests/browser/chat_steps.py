"""The chat part of the SEV1 browser test (test_flows_sev1.py): a stakeholder group's Slack and
Teams channels added in the console, a public Discord channel subscribed on /subscribe and
confirmed from its test message, and what each of them then received.

The live site posts to the local fake endpoints (tests/fakes/chat.py) as it would to Slack,
Teams and Discord (WEBHOOK_ALLOW_LOOPBACK lets it reach loopback); the fake checks every
payload against the providers' documented rules (tests/chat_support.RULES) and refuses what
breaks one, so a message it accepted is a valid one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from playwright.sync_api import Page, expect

from tests.browser.live import LiveServer
from tests.browser.support import path_of
from tests.chat_signup_support import confirm_link
from tests.chat_support import RULES, headline
from tests.fakes.chat import ChatMessage, FakeChat

# The headings' tags, and the texts of the test's updates (the postmortem's link first: its
# summary quotes the timeline).
TAGS = ("[Internal]", "[Awaiting approval]")
KNOWN = ("Read the postmortem", "Confirm your subscription", "writes are refused",
         "failed failover", "Orders placed earlier are safe", "Checkout works again",
         "Customers cannot complete checkout", "Checkout fails for every customer")
_MANAGE = re.compile(r"https?://[^\s\"'<>|)\]]+/manage/[A-Za-z0-9._-]+")
_UNSUBSCRIBE = re.compile(r"https?://[^\s\"'<>|)\]]+/unsubscribe/[A-Za-z0-9._-]+")


@dataclass(frozen=True)
class ChatChannels:
    """The fake's destinations: the group's Slack and Teams channels, the public Discord."""

    fake: FakeChat
    site: LiveServer
    slack: str
    teams: str
    discord: str

    @classmethod
    def on(cls, fake: FakeChat, site: LiveServer) -> ChatChannels:
        fake.validator = lambda provider, payload: RULES[provider](payload)
        return cls(fake, site, fake.destination_url("slack", "exec-incidents"),
                   fake.destination_url("teams", "executives"),
                   fake.destination_url("discord", "customer-status"))

    @property
    def group(self) -> tuple[str, str]:
        return self.slack, self.teams

    def summary(self, url: str) -> list[tuple[str, str]]:
        """Each message at `url`, in arrival order, as (its heading's tag, the first of
        `KNOWN` it holds): what a reader of the channel saw, in short."""
        found = []
        for message in self.fake.messages(url):
            title = headline(message.provider, message.payload)
            tag = next((t for t in TAGS if title.startswith(t)), "")
            text = shown(message)
            found.append((tag, next((k for k in KNOWN if k in text), text[:200])))
        return found

    def check_messages(self) -> None:
        """Every message valid by the providers' rules, none twice, none over a rate; the
        public's with their links (a confirmation, the manage page), the group's without."""
        assert self.fake.duplicates() == 0 and self.fake.violations == 0
        for message in self.fake.messages():
            assert RULES[message.provider](message.payload) == [], message.payload
        for message in self.fake.messages(self.discord)[1:]:
            assert _MANAGE.search(shown(message)) and _UNSUBSCRIBE.search(shown(message))
        for url in self.group:
            for message in self.fake.messages(url):
                assert "/unsubscribe/" not in shown(message)
        # The URLs are secrets: none of them (nor its secret part) in the site's logs.
        logs = "".join(p.read_text(errors="replace") for p in self.site.logs.glob("*.log"))
        for url in (*self.group, self.discord):
            assert secret_of(url) not in logs, url

    def wait_for(self, url: str, *texts: str) -> ChatMessage:
        """The first message at `url` holding every text, once the worker has sent it."""

        def found() -> ChatMessage | None:
            return next((m for m in self.fake.messages(url)
                         if all(t in shown(m) for t in texts)), None)

        message: ChatMessage = self.site.wait_for(found, f"a message with {texts} at {url}")
        return message


def shown(message: ChatMessage) -> str:
    """The payload as text, to look for what a reader sees in it."""
    return json.dumps(message.payload, ensure_ascii=False)


def secret_of(url: str) -> str:
    """The credential in a webhook URL: Teams' sig, or the path's last part (the token)."""
    return url.rsplit("sig=", 1)[1] if "sig=" in url else url.rsplit("/", 1)[1]


def add_group_chats(page: Page, group: str, channels: ChatChannels) -> None:
    """The group's Slack and Teams channels, added through the group page's form (provider
    recognised from the URL); the page shows them masked only, and is left at its top."""
    page.goto("/console/stakeholders")
    page.get_by_role("main").get_by_role("link", name=group, exact=True).click()
    for name, url, provider in (("#exec-incidents", channels.slack, "Slack"),
                                ("Executives (Teams)", channels.teams, "Microsoft Teams")):
        form = page.get_by_role("form", name="Add a chat destination")
        form.get_by_label("Name").fill(name)
        form.get_by_label("Incoming webhook URL").fill(url)
        form.get_by_role("button", name="Add chat destination").click()
        expect(page.get_by_role("status").filter(has_text=f"{name} added")).to_be_visible()
        row = page.locator("table.chat-destinations tr").filter(has_text=name)
        expect(row).to_contain_text(provider)
        expect(row.locator("code.masked-url")).to_contain_text("127.0.0.1")
    content = page.content()
    for url in channels.group:
        # Neither the URL nor its secret part (Slack's token, Teams' sig) is on the page.
        assert url not in content and secret_of(url) not in content, url
    page.evaluate("window.scrollTo(0, 0)")  # the group, its members and channels in view


def subscribe_discord(page: Page, channels: ChatChannels) -> None:
    """A visitor subscribes their Discord channel (Chat tab, every component) and confirms
    with the link in the test message the channel got."""
    page.goto("/subscribe")
    page.get_by_role("link", name="Chat", exact=True).click()
    page.locator("#address").fill(channels.discord)
    page.get_by_label("Chat app").select_option("discord")
    page.get_by_role("button", name="Subscribe").click()
    page.wait_for_url("**/subscribe/check-chat")
    test_message = channels.wait_for(channels.discord, "/subscribe/confirm/")
    page.goto(path_of(confirm_link(test_message.payload)))
    page.get_by_role("button", name="Confirm subscription").click()
    expect(page.get_by_text("Your subscription is confirmed.")).to_be_visible()


def check_public_message(page: Page, channels: ChatChannels, message: ChatMessage) -> None:
    """A public subscriber's message: not internal, with manage and unsubscribe links of its
    own; the manage link opens the subscription in the browser, its URL masked there."""
    text = shown(message)
    assert "[Internal]" not in text and "Internal update" not in text
    assert _UNSUBSCRIBE.search(text), text
    manage = _MANAGE.search(text)
    assert manage, text
    page.goto(path_of(manage[0]))
    expect(page.get_by_role("main")).to_contain_text("(Discord)")
    expect(page.get_by_role("main")).to_contain_text("Subscribed.")
    assert secret_of(channels.discord) not in page.content()
