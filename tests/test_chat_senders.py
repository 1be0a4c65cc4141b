"""ChatSender against the local fake providers: deliveries, and each provider's answers mapped
to DeliveryError (permanent / suppressed / retry_after)."""

from __future__ import annotations

from typing import Any

import pytest

from statuspage.models.subscribers import DISCORD, GOOGLE_CHAT, SLACK, SUPPRESSION_REASONS, TEAMS
from statuspage.notify.base import ChatContent, DeliveryError
from statuspage.notify.chat import ChatSender
from tests.chat_payloads import PAYLOADS
from tests.fakes.chat import FakeChat
from tests.notify.helpers import recipient

PROVIDERS = list(PAYLOADS)


def _sender(timeout: float = 2.0) -> ChatSender:
    return ChatSender.from_config({"WEBHOOK_TIMEOUT_SECONDS": timeout,
                                   "WEBHOOK_ALLOW_LOOPBACK": True,
                                   "PUBLIC_BASE_URL": "https://status.example.com"})


def _send(fake: FakeChat, provider: str, name: str = "ops", *, payload: Any = None,
          thread_key: str = "", sender: ChatSender | None = None) -> str:
    content = ChatContent(provider, PAYLOADS[provider] if payload is None else payload,
                          thread_key)
    return (sender or _sender()).send(content, recipient(1, fake.destination_url(provider,
                                                                                  name)))


def _error(fake: FakeChat, provider: str, **kwargs: Any) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        _send(fake, provider, **kwargs)
    return caught.value


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_message_reaches_its_destination_as_json(fake_chat: FakeChat, provider: str) -> None:
    message_id = _send(fake_chat, provider)
    [message] = fake_chat.messages(fake_chat.destination_url(provider, "ops"))
    assert message.payload == PAYLOADS[provider]
    [request] = fake_chat.requests
    assert request.headers["Content-Type"].startswith("application/json")
    assert request.headers["User-Agent"].startswith("statuspage-chat/")
    assert message_id and fake_chat.messages(fake_chat.destination_url(provider, "other")) == []


def test_the_message_id_is_the_providers_own_where_it_gives_one(fake_chat: FakeChat) -> None:
    assert _send(fake_chat, DISCORD).isdigit()  # the saved message's id (?wait=true)
    assert fake_chat.messages()[0].query == {"wait": "true"}
    assert _send(fake_chat, GOOGLE_CHAT).startswith("spaces/")
    assert _send(fake_chat, TEAMS).startswith("0858")  # x-ms-workflow-run-id
    assert len(_send(fake_chat, SLACK)) == 32  # Slack gives none: a generated one


def test_google_chat_replies_in_the_incidents_thread(fake_chat: FakeChat) -> None:
    _send(fake_chat, GOOGLE_CHAT, thread_key="incident-42")
    _send(fake_chat, GOOGLE_CHAT, thread_key="incident-42")
    _send(fake_chat, GOOGLE_CHAT)
    first, second, unthreaded = fake_chat.messages()
    assert first.query["threadKey"] == second.query["threadKey"] == "incident-42"
    assert first.query["messageReplyOption"] == "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD"
    assert "threadKey" not in unthreaded.query and "token" in unthreaded.query


GONE = [
    (SLACK, "no_service", "no_service"), (SLACK, "no_team", "no_team"),
    (SLACK, "channel_not_found", "channel_not_found"),
    (SLACK, "channel_is_archived", "channel_is_archived"),
    (SLACK, "invalid_token", "invalid_token"),
    (DISCORD, "unknown_webhook", "10015"), (DISCORD, "invalid_token", "50027"),
    (GOOGLE_CHAT, "not_found", "NOT_FOUND"),
    (GOOGLE_CHAT, "permission_denied", "PERMISSION_DENIED"),
    (TEAMS, "not_found", "WorkflowNotFound"),
    (TEAMS, "bad_signature", "DirectApiInvalidAuthorizationSignature"),
]


@pytest.mark.parametrize(("provider", "reason", "code"), GONE)
def test_a_gone_destination_is_permanent_and_suppressed(
        fake_chat: FakeChat, provider: str, reason: str, code: str) -> None:
    fake_chat.gone(fake_chat.destination_url(provider, "ops"), reason)
    error = _error(fake_chat, provider)
    assert (error.permanent, error.suppress, error.code) == (True, "destination_gone", code)
    assert error.suppress in SUPPRESSION_REASONS


@pytest.mark.parametrize(("provider", "wait"), [(SLACK, 30.0), (DISCORD, 0.5),
                                                (GOOGLE_CHAT, 30.0), (TEAMS, 30.0)])
def test_a_429_is_transient_with_the_wait_the_provider_asked_for(
        fake_chat: FakeChat, provider: str, wait: float) -> None:
    # Discord's body says 0.5 s (its Retry-After header rounds up to 1): the body wins.
    fake_chat.rate_limit(fake_chat.destination_url(provider, "ops"), retry_after=wait)
    error = _error(fake_chat, provider)
    assert (error.permanent, error.suppress, error.retry_after) == (False, None, wait)


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_transient(fake_chat: FakeChat, provider: str, status: int) -> None:
    fake_chat.fail(fake_chat.destination_url(provider, "ops"), status=status)
    error = _error(fake_chat, provider)
    assert (error.permanent, error.suppress) == (False, None)
    assert _send(fake_chat, provider)  # the next attempt goes through


BAD_PAYLOADS = [(SLACK, {"text": ""}, "no_text"),
                (SLACK, {"text": "x", "blocks": [{"text": "no type"}]}, "invalid_blocks"),
                (DISCORD, {"content": ""}, "50006"),
                (DISCORD, {"content": "x" * 2001}, "50035"),
                (GOOGLE_CHAT, {"cards": []}, "INVALID_ARGUMENT"),
                (TEAMS, {"type": "message", "attachments": []}, "InvalidRequestContent")]


@pytest.mark.parametrize(("provider", "payload", "code"), BAD_PAYLOADS)
def test_a_refused_payload_is_permanent_but_keeps_the_destination(
        fake_chat: FakeChat, provider: str, payload: Any, code: str) -> None:
    error = _error(fake_chat, provider, payload=payload)
    assert (error.permanent, error.suppress, error.code) == (True, None, code)


def test_the_builders_rules_can_refuse_a_payload_at_the_fake(fake_chat: FakeChat) -> None:
    fake_chat.validator = lambda provider, payload: (
        ["embeds[0].title: Must be 256 or fewer in length."]
        if len(payload["embeds"][0]["title"]) > 256 else [])
    long_title = {"embeds": [{"title": "x" * 257}]}
    error = _error(fake_chat, DISCORD, payload=long_title)
    assert (error.permanent, error.code) == (True, "50035")
    assert "256 or fewer" in error.message
    assert _send(fake_chat, DISCORD)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_slow_provider_times_out_as_a_transient_error(fake_chat: FakeChat,
                                                        provider: str) -> None:
    fake_chat.slow(fake_chat.destination_url(provider, "ops"), 1.0)
    error = _error(fake_chat, provider, sender=_sender(timeout=0.3))
    assert (error.permanent, error.code) == (False, "timeout")


def test_a_redirect_is_not_followed(fake_chat: FakeChat) -> None:
    fake_chat.respond_with(302, headers={"Location": fake_chat.url + "/elsewhere"})
    error = _error(fake_chat, SLACK)
    assert (error.permanent, error.code, error.suppress) == (True, "302", None)
    assert [r.path for r in fake_chat.requests] == [
        fake_chat.destination_url(SLACK, "ops").split(str(fake_chat.port))[1]]


@pytest.mark.parametrize(("provider", "url"), [
    (SLACK, "https://hooks.slack.com.evil.example/services/T0000/B0000/XXXXXXXXXXXX"),
    (DISCORD, "http://127.0.0.1:9/services/T0000/B0000/XXXXXXXXXXXX"),  # a Slack path
    ("matrix", "https://matrix.example/hook"),
])
def test_a_url_that_is_not_the_providers_is_refused_without_a_request(
        fake_chat: FakeChat, provider: str, url: str) -> None:
    with pytest.raises(DeliveryError) as caught:
        _sender().send(ChatContent(provider, {"text": "x"}), recipient(1, url))
    assert (caught.value.permanent, caught.value.code) == (True, "refused_url")
    assert fake_chat.requests == []


@pytest.mark.parametrize(("provider", "status", "body", "code"), [
    (SLACK, 403, "action_prohibited", "action_prohibited"),
    (SLACK, 400, "user_not_found", "user_not_found"),
    (DISCORD, 403, {"message": "Missing Permissions", "code": 50013}, "50013"),
    (GOOGLE_CHAT, 400, {"error": {"code": 400, "message": "Invalid JSON payload received.",
                                  "status": "INVALID_ARGUMENT"}}, "INVALID_ARGUMENT"),
    (TEAMS, 409, {"error": {"code": "WorkflowTriggerIsNotEnabled",
                            "message": "The workflow is disabled."}},
     "WorkflowTriggerIsNotEnabled"),
])
def test_a_refusal_of_the_message_keeps_the_destination(
        fake_chat: FakeChat, provider: str, status: int, body: Any, code: str) -> None:
    fake_chat.respond_with(status, body)
    error = _error(fake_chat, provider)
    assert (error.permanent, error.suppress, error.code) == (True, None, code)


def test_a_retired_teams_connector_reporting_throttling_in_a_200_is_retried(
        fake_chat: FakeChat) -> None:
    # The Office 365 connectors answered 200 with the error as text instead of a 429.
    fake_chat.respond_with(200, "Webhook message delivery failed with error: Microsoft Teams "
                                "endpoint returned HTTP error 429 with ContextId tcid=0")
    error = _error(fake_chat, TEAMS)
    assert (error.permanent, error.code) == (False, "rate_limited")
    fake_chat.respond_with(200, "1")
    assert _send(fake_chat, TEAMS)
