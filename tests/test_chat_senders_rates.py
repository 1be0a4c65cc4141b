"""The chat fake's rate limits and their accounting, the sender's pacing hints, and the fake
answering slack_sdk's own WebhookClient as Slack does."""

from __future__ import annotations

import time

import pytest
from slack_sdk.webhook import WebhookClient

from statuspage.models.subscribers import DISCORD, GOOGLE_CHAT, SLACK, TEAMS
from statuspage.notify.base import ChatContent, DeliveryError
from statuspage.notify.chat import ChatSender
from statuspage.notify.chat.sender import MIN_INTERVAL
from tests.chat_payloads import PAYLOADS
from tests.fakes.chat import FakeChat, Limit
from tests.notify.helpers import recipient


def _sender() -> ChatSender:
    return ChatSender(timeout=2.0, allow_loopback=True, user_agent="t")


def _try(sender: ChatSender, provider: str, url: str) -> DeliveryError | None:
    try:
        sender.send(ChatContent(provider, PAYLOADS[provider]), recipient(1, url))
    except DeliveryError as error:
        return error
    return None


def test_slack_webhook_client_is_answered_like_slack(fake_chat: FakeChat) -> None:
    url = fake_chat.destination_url(SLACK, "sdk")
    client = WebhookClient(url, timeout=2, retry_handlers=[])
    response = client.send(text="Deploy finished", blocks=PAYLOADS[SLACK]["blocks"])
    assert (response.status_code, response.body) == (200, "ok")
    assert fake_chat.messages(url)[0].payload == {"text": "Deploy finished",
                                                   "blocks": PAYLOADS[SLACK]["blocks"]}
    assert client.send(text="").body == "no_text"
    fake_chat.rate_limit(url, retry_after=7)
    limited = client.send(text="again")
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "7")
    fake_chat.gone(url, "channel_is_archived")
    assert (client.send(text="x").status_code, client.send(text="x").body) == (
        410, "channel_is_archived")


def test_a_burst_past_slacks_bucket_is_a_counted_violation(fake_chat: FakeChat) -> None:
    url, sender = fake_chat.destination_url(SLACK, "burst"), _sender()
    outcomes = [_try(sender, SLACK, url) for _ in range(4)]
    assert outcomes[:3] == [None, None, None]  # the burst of 3
    error = outcomes[3]
    assert error is not None and (error.permanent, error.code) == (False, "rate_limited")
    assert error.retry_after is not None and 0 < error.retry_after <= 1
    assert fake_chat.violations == 1
    assert list(fake_chat.violations_by_destination.values()) == [1]
    assert len(fake_chat.messages(url)) == 3


def test_discord_headers_come_on_every_answer_and_pace_the_sender(fake_chat: FakeChat) -> None:
    url, sender = fake_chat.destination_url(DISCORD, "paced"), _sender()
    fake_chat.limits[DISCORD] = Limit(5, window=1.0)
    for n in range(5):
        assert _try(sender, DISCORD, url) is None
        headers = fake_chat.requests[-1].answer_headers
        assert (headers["X-RateLimit-Limit"], headers["X-RateLimit-Remaining"]) == (
            "5", str(4 - n))
    state = sender.rate_state(url)
    assert state is not None and (state.limit, state.remaining) == (5, 0)
    wait = sender.wait_before_next(DISCORD, url)
    assert 0 < wait <= 1.0  # until the window resets, as X-RateLimit-Reset-After said
    time.sleep(wait)
    assert _try(sender, DISCORD, url) is None
    assert fake_chat.violations == 0 and len(fake_chat.messages(url)) == 6


def test_a_request_into_an_empty_discord_bucket_gets_its_429_shape(fake_chat: FakeChat) -> None:
    url, sender = fake_chat.destination_url(DISCORD, "eager"), _sender()
    for _ in range(5):
        assert _try(sender, DISCORD, url) is None
    error = _try(sender, DISCORD, url)
    assert error is not None and (error.permanent, error.code) == (False, "rate_limited")
    assert error.retry_after is not None and 0 < error.retry_after <= 2.0
    body = fake_chat.requests[-1]
    assert body.answer_status == 429 and body.answer_headers["X-RateLimit-Remaining"] == "0"
    assert fake_chat.violations == 1


@pytest.mark.parametrize("provider", [SLACK, GOOGLE_CHAT, TEAMS])
def test_the_documented_interval_is_the_least_wait_after_a_send(fake_chat: FakeChat,
                                                                provider: str) -> None:
    url, sender = fake_chat.destination_url(provider, "interval"), _sender()
    assert sender.wait_before_next(provider, url) == 0.0
    started = time.monotonic()
    assert _try(sender, provider, url) is None
    wait = sender.wait_before_next(provider, url)
    elapsed = time.monotonic() - started
    assert MIN_INTERVAL[provider] - elapsed <= wait <= MIN_INTERVAL[provider]
    assert wait > 0 or elapsed >= MIN_INTERVAL[provider]


def test_sending_no_faster_than_the_limit_makes_no_violation(fake_chat: FakeChat) -> None:
    # A tighter Slack bucket (no burst) so the test is quick: 5 messages at 10 a second.
    fake_chat.limits[SLACK] = Limit(1, per_second=10.0)
    url, sender = fake_chat.destination_url(SLACK, "steady"), _sender()
    interval = 0.1
    for _ in range(5):
        assert _try(sender, SLACK, url) is None
        time.sleep(interval + 0.01)
    assert fake_chat.violations == 0 and len(fake_chat.messages(url)) == 5
    assert fake_chat.duplicates() == 4  # the same payload five times, as the fake sees it


def test_rates_are_per_destination_and_can_be_switched_off(fake_chat: FakeChat) -> None:
    sender = _sender()
    urls = [fake_chat.destination_url(SLACK, f"team-{n}") for n in range(4)]
    assert all(_try(sender, SLACK, url) is None for url in urls for _ in range(3))
    assert fake_chat.violations == 0
    fake_chat.enforce_rates = False
    assert all(_try(sender, SLACK, urls[0]) is None for _ in range(5))
    assert fake_chat.violations == 0
