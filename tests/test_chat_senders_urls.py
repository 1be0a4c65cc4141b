"""Chat destination URLs: each provider's own hosts and shapes only, masked in the console,
never in a log line or an error; and the SSRF guard at connect time."""

from __future__ import annotations

import ipaddress
import logging
import re

import pytest

from statuspage.core.errors import DomainError
from statuspage.core.logging_setup import PlainFormatter
from statuspage.models.subscribers import DISCORD, GOOGLE_CHAT, SLACK, TEAMS
from statuspage.notify import webhook_guard
from statuspage.notify.base import ChatContent, DeliveryError
from statuspage.notify.chat import ChatSender, check_chat_url, detect_provider, mask_chat_url
from tests.chat_payloads import PAYLOADS
from tests.fakes.chat import FakeChat
from tests.notify.helpers import recipient

SLACK_TOKEN = "Xq7bT2mPz9LkR4sVw8NcY1dF"
SLACK_URL = f"https://hooks.slack.com/services/T01ABCD2EFG/B02HIJK3LMN/{SLACK_TOKEN}"
SIG = "kP3vQ8rT1wY6zA9cE2hJ5mN0bF4gL7xU3sD8qW1eR6t"
WORKFLOW = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
TEAMS_URL = (f"https://prod-27.westeurope.logic.azure.com:443/workflows/{WORKFLOW}/triggers/"
             "manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun"
             f"&sv=1.0&sig={SIG}")
POWER_URL = ("https://default1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c.6d.environment.api.powerplatform.com"
             f":443/powerautomate/automations/direct/workflows/{WORKFLOW}/triggers/manual/paths/"
             f"invoke?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={SIG}")
OFFICE_URL = ("https://contoso.webhook.office.com/webhookb2/"
              "9f1e8e5c-1b2a-4c3d-8e9f-0a1b2c3d4e5f@72f988bf-86f1-41af-91ab-2d7cd011db47/"
              "IncomingWebhook/3c0d0e7a9f1b4c2d8e6f5a4b3c2d1e0f/"
              "1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d")
DISCORD_TOKEN = "hF3kL9pQ2sV6xZ1cB4nM7aD0gJ5rT8wY-_uE2iO3pA6sD9fG1hJ4kL7zX0cV3bN6mQ9wE2r"
DISCORD_URL = f"https://discord.com/api/webhooks/1187654321098765432/{DISCORD_TOKEN}"
CHAT_TOKEN = "Zx8cV7bN6mQ5wE4rT3yU2iO1pA0sD9fG8hJ7kL6zX5c%3D"
GOOGLE_URL = ("https://chat.googleapis.com/v1/spaces/AAAAbCdEfGh/messages"
              f"?key=AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI&token={CHAT_TOKEN}")

GOOD = [
    (SLACK, SLACK_URL, SLACK_URL),
    (SLACK, SLACK_URL.replace("hooks.slack.com", "HOOKS.Slack.com.") + "#anchor", SLACK_URL),
    (TEAMS, TEAMS_URL, TEAMS_URL.replace(":443", "")),
    (TEAMS, POWER_URL, POWER_URL.replace(":443", "")),
    (TEAMS, OFFICE_URL, OFFICE_URL),
    (DISCORD, DISCORD_URL, DISCORD_URL),
    (DISCORD, DISCORD_URL.replace("discord.com", "discordapp.com"),
     DISCORD_URL.replace("discord.com", "discordapp.com")),
    (DISCORD, DISCORD_URL + "?wait=true&thread_id=1187654321098765000",
     DISCORD_URL + "?thread_id=1187654321098765000"),
    (GOOGLE_CHAT, GOOGLE_URL, GOOGLE_URL),
    (GOOGLE_CHAT, GOOGLE_URL + "&threadKey=abc&messageReplyOption=REPLY_MESSAGE_OR_FAIL",
     GOOGLE_URL),
]


@pytest.mark.parametrize(("provider", "url", "normalised"), GOOD)
def test_the_providers_own_webhook_urls_are_accepted_and_normalised(
        provider: str, url: str, normalised: str) -> None:
    assert check_chat_url(provider, url) == normalised
    assert detect_provider(url) == provider


BAD = [
    (SLACK, SLACK_URL.replace("https://", "http://"), "https://"),
    (SLACK, SLACK_URL.replace("hooks.slack.com", "hooks.slack.com.evil.example"), "not a Slack"),
    (SLACK, SLACK_URL.replace("hooks.slack.com", "evilhooks.slack.com"), "not a Slack"),
    (SLACK, SLACK_URL.replace("hooks.slack.com", "hooks.slack.com@evil.example"), "user name"),
    (SLACK, SLACK_URL.replace("https://", "https://user:pw@"), "user name"),
    (SLACK, SLACK_URL.replace("hooks.slack.com", "hooks.slack.com\\@evil.example"), "exactly"),
    (SLACK, SLACK_URL.replace("hooks.slack.com", "hooks.slack.com:8443"), "port"),
    (SLACK, SLACK_URL.replace("hooks.slack.com", "hooks.xn--slck-loa.com"), "not a Slack"),
    (SLACK, SLACK_URL.replace("hooks.slack.com", "hooks.sl\u0430ck.com"), "exactly"),  # Cyrillic a
    (SLACK, "https://hooks.slack.com/triggers/T01ABCD2EFG/123/abc", "not an incoming"),
    (SLACK, SLACK_URL.replace("/services/", "/services/../api/"), "not an incoming"),
    (SLACK, SLACK_URL + "?redirect=https://evil.example", "no parameter redirect"),
    (SLACK, "https://127.0.0.1/services/T01ABCD2EFG/B02HIJK3LMN/" + SLACK_TOKEN, "not a Slack"),
    (SLACK, DISCORD_URL, "not a Slack"),
    (TEAMS, TEAMS_URL.replace("logic.azure.com", "logic.azure.com.evil.example"),
     "not a Microsoft Teams"),
    (TEAMS, TEAMS_URL.replace(f"&sig={SIG}", ""), "missing its sig"),
    (TEAMS, TEAMS_URL.replace("/workflows/", "/admin/"), "not an incoming"),
    (TEAMS, "https://evil.example/webhookb2/x@y/IncomingWebhook/a/b", "not a Microsoft Teams"),
    (DISCORD, DISCORD_URL.replace("discord.com", "discord.com.evil.example"), "not a Discord"),
    (DISCORD, DISCORD_URL.replace("discord.com", "discord.gg"), "not a Discord"),
    (DISCORD, "https://discord.com/api/users/@me", "not an incoming"),
    (DISCORD, DISCORD_URL + "?thread_id=abc", "thread_id"),
    (DISCORD, DISCORD_URL + "?thread_id=1&thread_id=2", "repeats"),
    (GOOGLE_CHAT, GOOGLE_URL.replace(f"&token={CHAT_TOKEN}", ""), "missing its token"),
    (GOOGLE_CHAT, GOOGLE_URL.replace("chat.googleapis.com", "chat.googleapis.com.evil.example"),
     "not a Google Chat"),
    (GOOGLE_CHAT, GOOGLE_URL.replace("/v1/spaces/", "/v1/users/"), "not an incoming"),
    (GOOGLE_CHAT, "not a url", "exactly"),
    (GOOGLE_CHAT, "", "exactly"),
    (GOOGLE_CHAT, GOOGLE_URL + "&x=" + "a" * 2000, "at most"),
]


@pytest.mark.parametrize(("provider", "url", "says"), BAD)
def test_anything_else_is_refused_saying_what_is_expected(provider: str, url: str,
                                                          says: str) -> None:
    with pytest.raises(DomainError) as caught:
        check_chat_url(provider, url)
    assert says in caught.value.message and caught.value.field == "address"
    assert not re.search(r"Xq7bT2|kP3vQ8|hF3kL9|Zx8cV7", caught.value.message)


def test_loopback_is_accepted_only_when_allowed_and_in_the_providers_shape() -> None:
    local = "http://127.0.0.1:8081/services/T01ABCD2EFG/B02HIJK3LMN/" + SLACK_TOKEN
    assert check_chat_url(SLACK, local, allow_loopback=True) == local
    assert check_chat_url(SLACK, local.replace("127.0.0.1", "[::1]"),
                          allow_loopback=True).startswith("http://[::1]:8081/")
    with pytest.raises(DomainError, match="https://"):
        check_chat_url(SLACK, local)
    with pytest.raises(DomainError, match="not an incoming"):
        check_chat_url(SLACK, "http://127.0.0.1:8081/admin", allow_loopback=True)
    with pytest.raises(DomainError, match="https://"):  # other local names stay refused
        check_chat_url(SLACK, local.replace("127.0.0.1", "localhost"), allow_loopback=True)


def test_detect_provider_names_none_for_other_urls() -> None:
    assert detect_provider("https://example.com/services/T0/B0/x") is None
    assert detect_provider("ftp://hooks.slack.com/x") == SLACK  # detected; check refuses it
    assert detect_provider("http://127.0.0.1:9/api/webhooks/123456789012345678/"
                           + DISCORD_TOKEN) == DISCORD
    assert detect_provider("garbage \\ url") is None


@pytest.mark.parametrize(("url", "secret", "shown"), [
    (SLACK_URL, SLACK_TOKEN, "hooks.slack.com/services/T01A…"),
    (TEAMS_URL, SIG, f"prod-27.westeurope.logic.azure.com/workflows/{WORKFLOW[:4]}…"),
    (POWER_URL, SIG, f"/direct/workflows/{WORKFLOW[:4]}…"),
    (DISCORD_URL, DISCORD_TOKEN, "discord.com/api/webhooks/1187…"),
    (GOOGLE_URL, CHAT_TOKEN.replace("%3D", "="), "chat.googleapis.com/v1/spaces/AAAA…"),
])
def test_the_mask_shows_the_host_and_four_characters_of_the_secret_at_most(
        url: str, secret: str, shown: str) -> None:
    masked = mask_chat_url(url)
    assert shown in masked and masked.endswith(secret[-4:])
    assert not any(secret[i:i + 5] in masked for i in range(len(secret) - 5))
    assert mask_chat_url("garbage") == "…"


def _sender(allow_loopback: bool = True) -> ChatSender:
    return ChatSender(timeout=2.0, allow_loopback=allow_loopback, user_agent="t")


@pytest.mark.parametrize("answer", ["10.0.0.5", "169.254.169.254", "127.0.0.1",
                                    "::ffff:10.0.0.5", "64:ff9b::a9fe:a9fe"])
@pytest.mark.parametrize(("provider", "url"), [(SLACK, SLACK_URL), (TEAMS, TEAMS_URL),
                                               (DISCORD, DISCORD_URL),
                                               (GOOGLE_CHAT, GOOGLE_URL)])
def test_a_provider_host_resolving_to_a_private_address_is_refused_at_connect_time(
        monkeypatch: pytest.MonkeyPatch, provider: str, url: str, answer: str) -> None:
    # DNS for the provider's host answers an internal address (spoofed, or rebinding after the
    # URL was checked): only the connection guard sees it, and refuses before connecting.
    asked: list[str] = []

    def resolve(host: str, port: int) -> list[webhook_guard.Address]:
        asked.append(host)
        return [ipaddress.ip_address(answer)]

    monkeypatch.setattr(webhook_guard, "resolve", resolve)
    with pytest.raises(DeliveryError) as caught:
        _sender(allow_loopback=False).send(ChatContent(provider, {"text": "x"}),
                                           recipient(1, url))
    assert (caught.value.permanent, caught.value.code) == (True, "refused_url")
    assert asked == [url.split("/")[2].split(":")[0]]


def test_no_log_line_and_no_error_carries_a_destinations_secret(
        fake_chat: FakeChat, caplog: pytest.LogCaptureFixture) -> None:
    urls = {p: fake_chat.destination_url(p, "secret-test") for p in (SLACK, TEAMS, DISCORD,
                                                                    GOOGLE_CHAT)}
    sender, errors = _sender(), []
    with caplog.at_level(logging.DEBUG):
        for provider, url in urls.items():
            sender.send(ChatContent(provider, PAYLOADS[provider]), recipient(1, url))
            for break_it in (fake_chat.gone, fake_chat.rate_limit, fake_chat.fail):
                break_it(url)
                with pytest.raises(DeliveryError) as caught:
                    sender.send(ChatContent(provider, PAYLOADS[provider]), recipient(1, url))
                errors.append(caught.value.message)
                fake_chat.reset()
    secrets = [segment for url in urls.values()
               for segment in re.split(r"[/?&=]", url.split("127.0.0.1:")[1]) if len(segment) > 12]
    assert len(secrets) >= 6
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("statuspage")]
    assert len(ours) >= 16 and any("is gone" in line for line in ours)
    # Every line as the app's formatter writes it, urllib3's DEBUG request lines included.
    written = [PlainFormatter().format(r) for r in caplog.records]
    for text in [*ours, *errors, *written]:
        assert not any(secret in text for secret in secrets), text
