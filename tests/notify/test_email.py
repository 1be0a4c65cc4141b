"""SendGridChannel: the real sendgrid SDK over HTTP against the local fake SendGrid."""

from __future__ import annotations

import time

import pytest

from statuspage.notify.base import MANAGE_URL, UNSUBSCRIBE_URL, DeliveryError, EmailContent
from statuspage.notify.email import SendGridChannel
from tests.fakes.providers import FakeSendGrid
from tests.notify.helpers import recipient, sendgrid_config

CONTENT = EmailContent(
    subject="[Acme] API errors: Investigating",
    html=f'<p>Update</p><a href="{MANAGE_URL}">Manage</a> <a href="{UNSUBSCRIBE_URL}">Unsub</a>',
    text=f"Update\nManage: {MANAGE_URL}\nUnsubscribe: {UNSUBSCRIBE_URL}",
    message_id="<incident-abc-update-def@status.example.com>",
    references=["<incident-abc@status.example.com>"],
)


def _channel(fake: FakeSendGrid, **overrides: object) -> SendGridChannel:
    return SendGridChannel.from_config(sendgrid_config(fake.url, **overrides))


def test_a_batch_of_1000_goes_out_in_one_call(fake_sendgrid: FakeSendGrid) -> None:
    recipients = [recipient(n) for n in range(1000)]
    message_id = _channel(fake_sendgrid).send_batch(CONTENT, recipients)
    assert len(fake_sendgrid.sends) == 1
    body = fake_sendgrid.sends[0].json
    assert message_id and message_id == fake_sendgrid.sends[0].answer_headers["X-Message-Id"]
    assert len(body["personalizations"]) == 1000
    # Order kept (the SDK's add_personalization would otherwise reverse it).
    assert [p["to"][0]["email"] for p in body["personalizations"]] == [
        r.address for r in recipients]
    assert fake_sendgrid.sends[0].headers["Authorization"] == "Bearer SG.test-key"


def test_more_than_1000_recipients_are_refused_before_any_call(
        fake_sendgrid: FakeSendGrid) -> None:
    with pytest.raises(ValueError, match="1000"):
        _channel(fake_sendgrid).send_batch(CONTENT, [recipient(n) for n in range(1001)])
    assert fake_sendgrid.sends == []


def test_each_recipient_sees_only_their_own_address_and_links(
        fake_sendgrid: FakeSendGrid) -> None:
    _channel(fake_sendgrid).send_batch(CONTENT, [recipient(1), recipient(2)])
    first, second = fake_sendgrid.sends[0].json["personalizations"]
    assert first["to"] == [{"email": "subscriber1@example.com"}]
    assert "cc" not in first and "bcc" not in first
    assert first["substitutions"] == {
        MANAGE_URL: "https://status.example.com/manage/token-1",
        UNSUBSCRIBE_URL: "https://status.example.com/unsubscribe/token-1",
    }
    assert first["headers"] == {
        "List-Unsubscribe": "<https://status.example.com/unsubscribe/token-1>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    assert first["custom_args"] == {"delivery_id": "1001"}
    assert second["to"] == [{"email": "subscriber2@example.com"}]
    assert second["headers"]["List-Unsubscribe"] == (
        "<https://status.example.com/unsubscribe/token-2>")
    assert second["custom_args"] == {"delivery_id": "1002"}


def test_message_carries_threading_headers_from_and_text_before_html(
        fake_sendgrid: FakeSendGrid) -> None:
    _channel(fake_sendgrid).send_batch(CONTENT, [recipient(1)])
    body = fake_sendgrid.sends[0].json
    assert body["from"] == {"email": "status@example.com"}
    assert body["subject"] == CONTENT.subject
    assert [c["type"] for c in body["content"]] == ["text/plain", "text/html"]
    assert body["headers"]["Message-ID"] == CONTENT.message_id
    assert body["headers"]["References"] == "<incident-abc@status.example.com>"


def test_a_repeated_address_is_refused(fake_sendgrid: FakeSendGrid) -> None:
    with pytest.raises(ValueError, match="twice"):
        _channel(fake_sendgrid).send_batch(
            CONTENT, [recipient(1), recipient(2, address="SUBSCRIBER1@example.com")])


def test_429_is_transient_with_retry_after(fake_sendgrid: FakeSendGrid) -> None:
    fake_sendgrid.respond_rate_limited(17)
    with pytest.raises(DeliveryError) as caught:
        _channel(fake_sendgrid).send_batch(CONTENT, [recipient(1)])
    assert caught.value.permanent is False
    assert caught.value.retry_after == 17
    assert caught.value.code == "429"


def test_429_with_rate_limit_reset_waits_until_the_reset(fake_sendgrid: FakeSendGrid) -> None:
    fake_sendgrid.respond_rate_limited(30, reset_header=True)
    with pytest.raises(DeliveryError) as caught:
        _channel(fake_sendgrid).send_batch(CONTENT, [recipient(1)])
    assert caught.value.permanent is False
    assert caught.value.retry_after is not None
    assert 27 <= caught.value.retry_after <= 30


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_transient(fake_sendgrid: FakeSendGrid, status: int) -> None:
    fake_sendgrid.respond_with(status, {"errors": [{"message": "oops"}]})
    with pytest.raises(DeliveryError) as caught:
        _channel(fake_sendgrid).send_batch(CONTENT, [recipient(1)])
    assert caught.value.permanent is False
    assert caught.value.code == str(status)


def test_a_slow_sendgrid_times_out_as_a_transient_error(fake_sendgrid: FakeSendGrid) -> None:
    fake_sendgrid.respond_with(202, delay=1.5)
    started = time.monotonic()
    with pytest.raises(DeliveryError) as caught:
        _channel(fake_sendgrid, SENDGRID_TIMEOUT_SECONDS=0.3).send_batch(
            CONTENT, [recipient(1)])
    assert caught.value.permanent is False
    assert caught.value.code == "timeout"
    assert time.monotonic() - started < 1.4


def test_an_unreachable_sendgrid_is_a_transient_error() -> None:
    channel = SendGridChannel.from_config(sendgrid_config("http://127.0.0.1:9"))
    with pytest.raises(DeliveryError) as caught:
        channel.send_batch(CONTENT, [recipient(1)])
    assert caught.value.permanent is False
    assert caught.value.code == "connection"


def test_a_400_is_permanent_and_keeps_sendgrids_message(fake_sendgrid: FakeSendGrid) -> None:
    fake_sendgrid.respond_bad_request("The from address does not match a verified Sender "
                                      "Identity.", field="from")
    with pytest.raises(DeliveryError) as caught:
        _channel(fake_sendgrid).send_batch(CONTENT, [recipient(1)])
    assert caught.value.permanent is True
    assert caught.value.code == "400"
    assert "verified Sender Identity" in caught.value.message
    assert caught.value.suppress is None


def test_a_sender_name_in_mail_from_goes_into_the_from_object(
        fake_sendgrid: FakeSendGrid) -> None:
    _channel(fake_sendgrid, MAIL_FROM="Acme Status <status@example.com>").send_batch(
        CONTENT, [recipient(1)])
    assert fake_sendgrid.sends[0].json["from"] == {"name": "Acme Status",
                                                   "email": "status@example.com"}


def test_personalizations_are_plain_data_built_without_the_sdk_helpers(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The SDK's Mail/Personalization/To helpers parse every address with email.utils: more
    # than the rest of a 1,000-recipient batch costs. The body is built from plain dicts.
    import sendgrid.helpers.mail.email as sdk_email

    def no_helpers(*args: object, **kwargs: object) -> None:
        raise AssertionError("built a batch with the SDK's helper objects")

    monkeypatch.setattr(sdk_email.Email, "__init__", no_helpers)
    body = SendGridChannel(None, "status@example.com").build_mail(  # type: ignore[arg-type]
        CONTENT, [recipient(n) for n in range(1000)])
    assert len(body["personalizations"]) == 1000
    assert body["personalizations"][999]["custom_args"] == {"delivery_id": "1999"}
