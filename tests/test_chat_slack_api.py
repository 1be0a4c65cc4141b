"""SlackWebApi (chat.postMessage with the bot token) against the local fake Slack Web API: the
request, threads, each answer mapped to DeliveryError, the base URL's guard, the token kept
out of logs, and the fake answering slack_sdk's own WebClient as Slack does."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from statuspage.core.config import ConfigError, load_config
from statuspage.core.logging_setup import PlainFormatter
from statuspage.notify.base import ChatContent, DeliveryError
from statuspage.notify.chat.outcomes import GONE
from statuspage.notify.chat.slack_api import SlackWebApi
from tests.chat_payloads import PAYLOADS
from tests.chat_support import RULES
from tests.fakes.chat import FakeChat

CHANNEL = "C0123ABCD"


def _api(fake: FakeChat, *, token: str | None = None, loopback: bool = True) -> SlackWebApi:
    api = SlackWebApi.from_config({
        "SLACK_BOT_TOKEN": token or fake.slack_api.token,
        "SLACK_API_BASE_URL": fake.slack_api.base_url, "WEBHOOK_TIMEOUT_SECONDS": 2.0,
        "WEBHOOK_ALLOW_LOOPBACK": loopback, "PUBLIC_BASE_URL": "https://status.example.com"})
    assert api is not None
    return api


def _content(closing: bool = False, payload: Any = None) -> ChatContent:
    return ChatContent("slack", PAYLOADS["slack"] if payload is None else payload,
                       thread_key="inc-1", closing=closing)


def _error(fake: FakeChat, channel: str = CHANNEL, **kwargs: Any) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        _api(fake, **kwargs).post(channel, _content())
    return caught.value


def test_a_message_is_posted_with_the_token_into_its_channel(fake_chat: FakeChat) -> None:
    fake_chat.slack_api.channel(CHANNEL)
    fake_chat.validator = lambda provider, payload: RULES[provider](payload)

    ts = _api(fake_chat).post(CHANNEL, _content())

    [post] = fake_chat.slack_api.posts(CHANNEL)
    assert post.ts == ts and post.thread_ts is None and not post.reply_broadcast
    assert post.payload == {**PAYLOADS["slack"], "channel": CHANNEL}
    [request] = fake_chat.requests
    assert request.path == "/api/chat.postMessage"
    assert request.headers["Authorization"] == f"Bearer {fake_chat.slack_api.token}"
    assert request.headers["Content-Type"].startswith("application/json")


def test_a_reply_carries_thread_ts_and_a_closing_one_is_broadcast(fake_chat: FakeChat) -> None:
    fake_chat.slack_api.channel(CHANNEL)
    other = fake_chat.slack_api.channel("C0OTHER001")
    api = _api(fake_chat)
    root = api.post(CHANNEL, _content())
    api.post(CHANNEL, _content(), thread_ts=root)
    api.post(CHANNEL, _content(closing=True), thread_ts=root)
    api.post(other, _content(closing=True))  # a closing message alone is not a reply

    posts = fake_chat.slack_api.posts()
    assert [(p.channel, p.thread_ts, p.reply_broadcast) for p in posts] == [
        (CHANNEL, None, False), (CHANNEL, root, False), (CHANNEL, root, True),
        (other, None, False)]
    assert "reply_broadcast" not in posts[1].payload


@pytest.mark.parametrize("setup, code", [
    (lambda api: None, "channel_not_found"),
    (lambda api: api.channel(CHANNEL, member=False), "not_in_channel"),
    (lambda api: (api.channel(CHANNEL), api.archive(CHANNEL)), "is_archived"),
])
def test_a_channel_gone_for_the_bot_is_permanent_and_suppressed(
    fake_chat: FakeChat, setup: Any, code: str,
) -> None:
    setup(fake_chat.slack_api)
    error = _error(fake_chat)
    assert (error.permanent, error.suppress, error.code) == (True, GONE, code)
    assert "invite the app" in error.message


@pytest.mark.parametrize("revoke, code", [(False, "invalid_auth"), (True, "token_revoked")])
def test_a_refused_token_is_permanent_but_suppresses_no_destination(
    fake_chat: FakeChat, caplog: pytest.LogCaptureFixture, revoke: bool, code: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    fake_chat.slack_api.channel(CHANNEL)
    token = "xoxb-999-888-WrongTokenValue" if not revoke else None
    if revoke:
        fake_chat.slack_api.revoke()
    error = _error(fake_chat, token=token)
    assert (error.permanent, error.suppress, error.code) == (True, None, code)
    assert "SLACK_BOT_TOKEN" in error.message
    warned = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warned and code in warned[0].getMessage()
    logged = "\n".join(PlainFormatter().format(record) for record in caplog.records)
    for secret in (fake_chat.slack_api.token, "WrongTokenValue"):
        assert secret not in logged and secret not in error.message


def test_ratelimited_is_transient_with_retry_after(fake_chat: FakeChat) -> None:
    fake_chat.slack_api.channel(CHANNEL)
    fake_chat.slack_api.rate_limit(CHANNEL, retry_after=7)
    error = _error(fake_chat)
    assert (error.permanent, error.code, error.retry_after) == (False, "ratelimited", 7.0)


@pytest.mark.parametrize("status, code", [(200, "internal_error"), (503, "service_unavailable"),
                                          (500, "fatal_error")])
def test_slack_failing_is_transient(fake_chat: FakeChat, status: int, code: str) -> None:
    fake_chat.slack_api.channel(CHANNEL)
    fake_chat.slack_api.fail(CHANNEL, error=code, status=status)
    error = _error(fake_chat)
    assert (error.permanent, error.code, error.suppress) == (False, code, None)


def test_a_refused_payload_is_permanent_and_keeps_the_destination(fake_chat: FakeChat) -> None:
    fake_chat.slack_api.channel(CHANNEL)
    fake_chat.validator = lambda provider, payload: RULES[provider](payload)
    with pytest.raises(DeliveryError) as caught:
        _api(fake_chat).post(CHANNEL, _content(payload={"text": "x", "oops": 1}))
    error = caught.value
    assert (error.permanent, error.suppress, error.code) == (True, None, "invalid_blocks")
    assert "oops" in error.message


def test_a_loopback_api_is_refused_without_webhook_allow_loopback(fake_chat: FakeChat) -> None:
    fake_chat.slack_api.channel(CHANNEL)
    error = _error(fake_chat, loopback=False)
    assert (error.permanent, error.code) == (True, "refused_url")
    assert fake_chat.requests == []  # nothing was sent


def test_no_token_no_client() -> None:
    assert SlackWebApi.from_config({"SLACK_BOT_TOKEN": None}) is None


def test_slack_sdks_web_client_is_answered_like_slack(fake_chat: FakeChat) -> None:
    api = fake_chat.slack_api
    api.channel(CHANNEL)
    client = WebClient(token=api.token, base_url=api.base_url + "/", timeout=2,
                       retry_handlers=[])
    root = client.chat_postMessage(channel=CHANNEL, text="Deploy started",
                                   blocks=PAYLOADS["slack"]["blocks"])
    assert root["ok"] is True and root["channel"] == CHANNEL
    reply = client.chat_postMessage(channel=CHANNEL, text="Done", thread_ts=root["ts"],
                                    reply_broadcast=True)
    assert reply["message"]["thread_ts"] == root["ts"]
    assert [(p.thread_ts, p.reply_broadcast) for p in api.posts()] == [
        (None, False), (root["ts"], True)]
    for setup, code in ((lambda: None, "channel_not_found"),
                        (lambda: api.archive("C0ARCHIVED1"), "is_archived")):
        setup()
        with pytest.raises(SlackApiError) as caught:
            client.chat_postMessage(channel="C0ARCHIVED1", text="x")
        assert caught.value.response["error"] == code
    api.rate_limit(CHANNEL, retry_after=5)
    with pytest.raises(SlackApiError) as limited:
        client.chat_postMessage(channel=CHANNEL, text="again")
    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] in ("5", ["5"])
    with pytest.raises(SlackApiError) as refused:
        WebClient(token="xoxb-1-2-nope", base_url=api.base_url + "/",
                  retry_handlers=[]).chat_postMessage(channel=CHANNEL, text="x")
    assert refused.value.response["error"] == "invalid_auth"


def test_the_settings_are_checked_at_start_up_without_echoing_the_token(
    tmp_path: Path,
) -> None:
    config = load_config({}, tmp_path)
    assert (config["SLACK_BOT_TOKEN"], config["SLACK_API_BASE_URL"]) == (
        None, "https://slack.com/api")
    with pytest.raises(ConfigError) as bad:
        load_config({"SLACK_BOT_TOKEN": "xoxp-user-token-secret-value"}, tmp_path)
    assert "SLACK_BOT_TOKEN" in str(bad.value) and "secret-value" not in str(bad.value)
    token = "xoxb-12345-67890-abcdefABCDEF"
    assert load_config({"SLACK_BOT_TOKEN": token}, tmp_path)["SLACK_BOT_TOKEN"] == token
    for base in ("http://slack.example.com/api", "http://127.0.0.1:9/api",
                 "https://user:pw@slack.com/api", "ftp://slack.com/api"):
        with pytest.raises(ConfigError, match="SLACK_API_BASE_URL"):
            load_config({"SLACK_API_BASE_URL": base}, tmp_path)
    local = load_config({"SLACK_API_BASE_URL": "http://127.0.0.1:9/api/",
                         "WEBHOOK_ALLOW_LOOPBACK": "true"}, tmp_path)
    assert local["SLACK_API_BASE_URL"] == "http://127.0.0.1:9/api"
