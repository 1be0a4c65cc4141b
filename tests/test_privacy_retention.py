"""Retention with a frozen clock: old final delivery records, receipts and outbox messages go;
subscribers who left long ago are erased, and their opt-out holds as before the erasure."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.delivery.receipts import handle_inbound_sms
from statuspage.models import Delivery, OutboxMessage, ProviderReceipt, Subscriber
from statuspage.privacy.retention import apply_retention
from statuspage.subscriptions import admin
from statuspage.subscriptions import subscribe as subscriptions
from statuspage.subscriptions.csv_rows import ImportReport, Row
from statuspage.subscriptions.csv_save import save_confirmed, save_with_confirmation
from statuspage.tasks import huey
from statuspage.tasks import privacy as privacy_tasks
from tests.console.subscriber_helpers import make_subscriber
from tests.privacy_support import NOW, delivery, event_at, left, where_text_is
from tests.subscription_support import NO_MOBILE, US_MOBILE, outbox, reloaded

DAY = timedelta(days=1)


def _states() -> list[tuple[int, str]]:
    db.session.expire_all()
    rows = db.session.execute(select(Delivery.event_id, Delivery.state))
    return sorted([(event_id, state) for event_id, state in rows])


def test_final_delivery_records_older_than_retention_go_in_batches(app: Flask) -> None:
    subscribers = [make_subscriber() for _ in range(6)]
    old = event_at(NOW - 181 * DAY)
    recent = event_at(NOW - 179 * DAY)
    states = ["sent", "delivered", "failed", "suppressed", "queued", "sending"]
    for subscriber, state in zip(subscribers, states, strict=True):
        delivery(old, subscriber, state)
        delivery(recent, subscriber, "delivered")

    first = apply_retention(now=NOW, batch_size=2, max_batches=1)

    assert (first.deliveries, first.more) == (2, True)  # one batch, the rest next run
    second = apply_retention(now=NOW, batch_size=2)
    assert (second.deliveries, second.more) == (2, False)
    # Still queued or sending: kept whatever its age; the recent event's records all stay.
    assert _states() == sorted([(old.id, "queued"), (old.id, "sending")]
                               + [(recent.id, "delivered")] * 6)
    assert apply_retention(now=NOW).deliveries == 0


def test_zero_days_keeps_everything_for_ever(app: Flask) -> None:
    app.config.update(DELIVERY_RETENTION_DAYS=0, UNSUBSCRIBED_RETENTION_DAYS=0)
    gone = left("gone@example.com", NOW - 9999 * DAY)
    delivery(event_at(NOW - 9999 * DAY), gone, "delivered")

    run = apply_retention(now=NOW)

    assert (run.deliveries, run.subscribers) == (0, 0)
    assert reloaded(gone).erased_at is None


def test_old_receipts_and_outbox_messages_go_but_inbound_keyword_receipts_stay(
        app: Flask) -> None:
    old, recent = NOW - 200 * DAY, NOW - DAY
    db.session.add_all([
        ProviderReceipt(provider="sendgrid", event_id="old", received_at=old),
        ProviderReceipt(provider="twilio_status", event_id="old", received_at=old),
        ProviderReceipt(provider="twilio_inbound", event_id="sid:old", received_at=old),
        ProviderReceipt(provider="sendgrid", event_id="recent", received_at=recent),
        OutboxMessage(channel="email", to="a@example.com", created_at=old),
        OutboxMessage(channel="email", to="b@example.com", created_at=recent),
    ])
    db.session.commit()

    run = apply_retention(now=NOW, batch_size=1)

    assert (run.receipts, run.outbox) == (2, 1)
    kept = [(p, e) for p, e in db.session.execute(
        select(ProviderReceipt.provider, ProviderReceipt.event_id)
        .order_by(ProviderReceipt.provider))]
    assert kept == [("sendgrid", "recent"), ("twilio_inbound", "sid:old")]
    assert [m.to for m in db.session.execute(select(OutboxMessage)).scalars()] == [
        "b@example.com"]


def test_subscribers_who_left_longer_ago_are_erased_everywhere(app: Flask) -> None:
    left("left@example.com", NOW - 31 * DAY, consent_note="Signed up at a fair")
    bounced = left("bounced@example.com", NOW - 40 * DAY, "bounce")
    lately = left("lately@example.com", NOW - 29 * DAY)
    active = make_subscriber("active@example.com", created_at=NOW - 400 * DAY)
    sent = delivery(event_at(NOW - 35 * DAY), bounced, "failed",
                    last_error="SendGrid bounce: 550 bounced@example.com does not exist")
    db.session.add(OutboxMessage(channel="email", to="left@example.com", created_at=NOW))
    db.session.commit()

    run = apply_retention(now=NOW, batch_size=1)

    assert run.subscribers == 2
    for address in ("left@example.com", "bounced@example.com"):
        assert where_text_is(address) == []
    assert where_text_is("Signed up at a fair") == []
    assert where_text_is("lately@example.com") == ["subscriber.address"]
    assert where_text_is("active@example.com") == ["subscriber.address"]
    erased = reloaded(bounced)
    # The anonymous record: state, reason and dates stay; the delivery record stays too.
    assert (erased.state, erased.suppression_reason, erased.erased_at) == (
        "suppressed", "bounce", NOW)
    assert erased.consent_ip is None and erased.address.startswith("erased:")
    assert db.session.get(Delivery, sent.id).last_error == (
        "SendGrid bounce: 550 b***@e***.com does not exist")
    assert (reloaded(lately).erased_at, reloaded(active).erased_at) == (None, None)
    assert apply_retention(now=NOW).subscribers == 0


def _count() -> int:
    return db.session.execute(select(func.count()).select_from(Subscriber)).scalar_one()


def test_a_bounced_address_stays_refused_after_its_erasure(app: Flask) -> None:
    left("bounced@example.com", NOW - 40 * DAY, "bounce")
    apply_retention(now=NOW)

    subscriptions.subscribe("email", "Bounced@Example.com", [], "en", "192.0.2.9")

    assert outbox(to="bounced@example.com") == []  # refused quietly, as before
    assert _count() == 1
    with pytest.raises(DomainError, match="already on the list"):
        admin.add_subscriber(admin.NewSubscriber(channel="email", address="bounced@example.com",
                                                 pre_confirmed=True, consent_note="A list"),
                             None)
    report = ImportReport()
    save_with_confirmation([Row(2, "email", "bounced@example.com", [], "en")], "", report)
    save_confirmed([Row(3, "email", "bounced@example.com", [], "en")], "A list", report)
    assert [e.message for e in report.errors] == [
        "This address is suppressed (bounce); an import does not subscribe it again."] * 2
    assert where_text_is("bounced@example.com") == []


def test_an_erased_unsubscribed_address_may_subscribe_again_with_a_new_opt_in(
        app: Flask) -> None:
    gone = left("left@example.com", NOW - 31 * DAY)
    apply_retention(now=NOW)
    report = ImportReport()
    save_confirmed([Row(2, "email", "left@example.com", [], "en")], "A list", report)
    assert [e.message for e in report.errors] == [
        "This address unsubscribed; an import does not subscribe it again."]

    subscriptions.subscribe("email", "left@example.com", [], "en", "192.0.2.9")

    back = reloaded(gone)  # the same row, its address back, asked to confirm again
    assert (back.address, back.state, back.erased_at) == ("left@example.com", "unconfirmed",
                                                          None)
    assert len(outbox(to="left@example.com")) == 1
    assert _count() == 1


def test_start_from_an_erased_stopped_number_subscribes_it_again(app: Flask) -> None:
    stopped = left(NO_MOBILE, NOW - 31 * DAY, "stop", channel="sms")
    apply_retention(now=NOW)
    assert where_text_is(NO_MOBILE) == []

    handle_inbound_sms(NO_MOBILE, "STOP", message_sid="SMstop")  # already out: no change
    assert reloaded(stopped).erased_at is not None
    handle_inbound_sms(NO_MOBILE, "START", message_sid="SMstart")

    again = reloaded(stopped)
    assert (again.address, again.state, again.erased_at) == (NO_MOBILE, "active", None)


def test_the_sign_up_pages_look_the_same_for_an_erased_bounced_number_or_webhook(
        app: Flask, client: FlaskClient) -> None:
    app.config["WEBHOOK_ALLOW_LOOPBACK"] = True
    hook = "http://127.0.0.1:9/status"  # nothing is sent to a bounced webhook
    left(US_MOBILE, NOW - 40 * DAY, "provider_error", channel="sms")
    left(hook, NOW - 40 * DAY, "bounce", channel="webhook")
    apply_retention(now=NOW)

    response = client.post("/subscribe", data={"channel": "sms", "address": "(415) 555-2671"})
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "+1 ••• ••• 2671" in html and "erased" not in html  # as for any sign-up
    html = client.post("/subscribe", data={"channel": "webhook", "address": hook}
                       ).get_data(as_text=True)
    assert f"<code>{hook}</code>" in html and "erased" not in html
    assert outbox() == []  # refused quietly, as before the erasure
    assert where_text_is(US_MOBILE) == where_text_is(hook) == []


def test_the_retention_task_is_registered_hourly_and_runs(app: Flask) -> None:
    due = [task.name for task in huey.read_periodic(NOW.replace(minute=23, tzinfo=None))]
    assert "apply_retention" in {name.rsplit(".", 1)[-1] for name in due}
    assert not privacy_tasks.apply_retention.s().validate_datetime(
        NOW.replace(minute=22, tzinfo=None))
    left("left@example.com", NOW - 400 * DAY)

    result = privacy_tasks.apply_retention.call_local()

    assert result["subscribers"] == 1
    assert where_text_is("left@example.com") == []


def test_sign_ups_never_confirmed_are_erased_after_the_same_days(app: Flask) -> None:
    stale = make_subscriber("stale@example.com", state="unconfirmed",
                            created_at=NOW - 31 * DAY)
    fresh = make_subscriber("fresh@example.com", state="unconfirmed", created_at=NOW - 3 * DAY)
    active = make_subscriber("old.active@example.com", created_at=NOW - 400 * DAY)
    db.session.commit()

    assert apply_retention(now=NOW).subscribers == 1

    assert where_text_is("stale@example.com") == []
    assert reloaded(stale).consent_ip is None and reloaded(stale).erased_at == NOW
    assert (reloaded(fresh).erased_at, reloaded(active).erased_at) == (None, None)
    # Signing up again is a fresh sign-up with a new confirmation, on the same row.
    subscriptions.subscribe("email", "stale@example.com", [], "en", "192.0.2.9")
    back = reloaded(stale)
    assert (back.address, back.state, back.erased_at) == ("stale@example.com", "unconfirmed",
                                                          None)
    assert len(outbox(to="stale@example.com")) == 1
