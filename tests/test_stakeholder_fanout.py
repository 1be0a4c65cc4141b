"""Stakeholder groups receive the messages the plan routes to them, through the real senders."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from statuspage.core.extensions import db
from statuspage.delivery.sms.pump import run_sms_pump
from statuspage.incidents.lifecycle import post_update
from statuspage.incidents.updates import UpdateInput
from statuspage.messages import build as messages
from statuspage.models import Delivery, FanoutEvent, Incident, Subscriber
from statuspage.models.plan import PUBLIC
from statuspage.plan.reach import reach
from statuspage.plan.stakeholder_members import MemberInput
from tests.delivery_support import (
    add_subscribers,
    deliveries,
    email,
    phone,
    queued_tasks,
    run_worker,
)
from tests.factories import Factory
from tests.fakes.providers import FakeSendGrid, FakeTwilio
from tests.stakeholder_support import delivered_by_audience, group_with, store_plan

# Every task run in-process must succeed (tests/conftest.py `errors`).
pytestmark = pytest.mark.usefixtures("errors")

ADA = MemberInput("Ada", "ada@example.com", "+12025550143")
BOB = MemberInput("Bob", "bob@example.com", "", "nb")
CY = MemberInput("Cy", "", "+12025550144")
EXEC_ADDRESSES = {"ada@example.com", "bob@example.com", "+12025550143", "+12025550144"}


def _quiet_incident(factory: Factory) -> Incident:
    """A SEV1 incident whose opening update notified no one (so only the next one counts)."""
    return factory.incident(severity="SEV1", deliver_notifications=False)


def _publish(app: Flask, incident: Incident, **update: Any) -> FanoutEvent | None:
    with queued_tasks():
        posted = post_update(incident, UpdateInput(status="identified",
                                                   body="Database failover.", **update), None)
        run_worker(app)
    db.session.expire_all()
    return db.session.execute(select(FanoutEvent).filter_by(update_id=posted.id)
                              ).scalar_one_or_none()


def _emails(fake: FakeSendGrid) -> dict[str, dict[str, Any]]:
    """Each recipient's address -> what SendGrid was asked to send them."""
    found = {}
    for send in fake.sends:
        body = send.json
        for personalization in body["personalizations"]:
            found[personalization["to"][0]["email"]] = {
                "subject": body["subject"], "text": body["content"][0]["value"],
                "html": body["content"][1]["value"],
                "headers": personalization.get("headers", {})}
    return found


def _texts(fake: FakeTwilio) -> dict[str, str]:
    return {m.param("To"): m.param("Body") for m in fake.messages}


def test_an_internal_update_reaches_only_the_stakeholders_by_email_and_sms(
    app: Flask, factory: Factory, providers: None, fake_sendgrid: FakeSendGrid,
    fake_twilio: FakeTwilio,
) -> None:
    group_with("Executives", ADA, BOB, CY)
    store_plan({PUBLIC: ["email", "sms"], "Executives": ["email", "sms"]})
    add_subscribers(3)
    add_subscribers(2, "sms")
    incident = _quiet_incident(factory)

    event = _publish(app, incident, visibility="internal")

    assert event is not None and event.channels == []  # no public channel at all
    emails, texts = _emails(fake_sendgrid), _texts(fake_twilio)
    assert set(emails) | set(texts) == EXEC_ADDRESSES
    assert set(emails) == {"ada@example.com", "bob@example.com"}
    assert set(texts) == {"+12025550143", "+12025550144"}
    for address, sent in emails.items():
        if address == "bob@example.com":
            continue  # Bob reads Norwegian: see test_members_read_their_own_language
        assert sent["subject"].startswith("[Internal] ")
        assert "Internal update — not public" in sent["text"]
        assert "Internal update — not public" in sent["html"]
        # Members are managed by staff: no way to drop out silently.
        assert "List-Unsubscribe" not in sent["headers"]
        assert "Unsubscribe" not in sent["text"] and "%%manage_url%%" not in sent["text"]
        assert "stakeholder group" in sent["text"]
    for body in texts.values():
        assert body.startswith("Internal update - not public")  # GSM-7: no em dash
    rows = deliveries(event.id)
    assert len(rows) == 4 and {d.state for d in rows} == {"sent"}
    public_ids = set(db.session.execute(
        select(Subscriber.id).where(Subscriber.public())).scalars())
    assert not {d.subscriber_id for d in rows} & public_ids


def test_a_public_sev1_update_reaches_public_subscribers_and_the_groups(
    app: Flask, factory: Factory, providers: None, fake_sendgrid: FakeSendGrid,
    fake_twilio: FakeTwilio,
) -> None:
    group = group_with("Executives", ADA, BOB, CY)
    store_plan({PUBLIC: ["email", "sms"], "Executives": ["email", "sms"]})
    add_subscribers(3)
    add_subscribers(2, "sms")
    incident = _quiet_incident(factory)

    event = _publish(app, incident)

    assert event is not None
    assert event.routes == {group.public_id: ["email", "sms"]}
    assert delivered_by_audience(event.id) == {
        (PUBLIC, "email"): 3, (PUBLIC, "sms"): 2,
        (group.public_id, "email"): 2, (group.public_id, "sms"): 2}
    emails, texts = _emails(fake_sendgrid), _texts(fake_twilio)
    assert set(emails) == {email(n) for n in range(3)} | {"ada@example.com", "bob@example.com"}
    assert set(texts) == {phone(0), phone(1), "+12025550143", "+12025550144"}
    public, member = emails[email(0)], emails["ada@example.com"]
    assert "Internal" not in public["subject"] and "Internal" not in member["subject"]
    assert public["headers"]["List-Unsubscribe"].startswith("<http")
    assert "Manage your subscription: %%manage_url%%" in public["text"]
    assert "List-Unsubscribe" not in member["headers"]
    assert "Manage your subscription" not in member["text"]
    assert "stakeholder group" in member["text"] and "stakeholder group" not in public["text"]


def test_updates_posted_without_notifying_reach_no_one(
    app: Flask, factory: Factory, providers: None, fake_sendgrid: FakeSendGrid,
    fake_twilio: FakeTwilio,
) -> None:
    group_with("Executives", ADA, CY)
    store_plan({PUBLIC: ["email", "sms"], "Executives": ["email", "sms"]})
    add_subscribers(2)
    incident = _quiet_incident(factory)

    assert _publish(app, incident, visibility="internal", deliver_notifications=False) is None
    assert _publish(app, incident, deliver_notifications=False) is None

    assert db.session.scalar(select(func.count(Delivery.id))) == 0
    assert fake_sendgrid.sends == [] and fake_twilio.messages == []


def test_a_group_routed_by_sms_only_gets_no_email(
    app: Flask, factory: Factory, providers: None, fake_sendgrid: FakeSendGrid,
    fake_twilio: FakeTwilio,
) -> None:
    group_with("Executives", ADA, BOB, CY)
    store_plan({"Executives": ["sms"]})
    incident = _quiet_incident(factory)

    event = _publish(app, incident, visibility="internal")

    assert event is not None
    assert {d.channel for d in deliveries(event.id)} == {"sms"}
    assert fake_sendgrid.sends == []
    assert set(_texts(fake_twilio)) == {"+12025550143", "+12025550144"}


def test_stakeholders_ignore_components_and_unrouted_groups_hear_nothing(
    app: Flask, factory: Factory,
) -> None:
    api, web = factory.component("API"), factory.component("Web")
    executives = group_with("Executives", ADA)
    group_with("Support", MemberInput("Dee", "dee@example.com"))
    store_plan({PUBLIC: ["email"], "Executives": ["email"]})
    add_subscribers(2, components=[web])
    incident = _quiet_incident(factory)

    event = _publish(app, incident, component_statuses={api.id: "major_outage"})

    assert event is not None
    # Web's followers are not told about API; Ada is, whatever the components; Support not.
    assert delivered_by_audience(event.id) == {(executives.public_id, "email"): 1}


def test_members_read_their_own_language(
    app: Flask, factory: Factory, providers: None, fake_sendgrid: FakeSendGrid,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    group_with("Executives", ADA, BOB)
    store_plan({"Executives": ["email"]})
    incident = _quiet_incident(factory)
    rendered: list[tuple[str, bool]] = []
    original = messages.render_email

    def recording(event: FanoutEvent, language: str, **kwargs: Any) -> Any:
        rendered.append((language, kwargs.get("stakeholder", False)))
        return original(event, language, **kwargs)

    monkeypatch.setattr(messages, "render_email", recording)

    _publish(app, incident, visibility="internal")

    assert sorted(rendered) == [("en", True), ("nb", True)]
    assert len(fake_sendgrid.sends) == 2  # one call per language


def test_someone_in_two_groups_and_subscribed_publicly_gets_each_message_once(
    app: Flask, factory: Factory, providers: None, fake_sendgrid: FakeSendGrid,
) -> None:
    executives = group_with("Executives", ADA, BOB)
    support = group_with("Support", MemberInput("Ada again", "ada@example.com"),
                         MemberInput("Bob again", "bob@example.com"))
    store_plan({PUBLIC: ["email"], "Executives": ["email"], "Support": ["email"]})
    add_subscribers(1, address=lambda n: "bob@example.com")  # Bob follows the page too
    incident = _quiet_incident(factory)
    preview = reach(incident, "identified", [])

    event = _publish(app, incident)

    assert event is not None
    sent = [p["to"][0]["email"] for s in fake_sendgrid.sends for p in s.json["personalizations"]]
    assert sorted(sent) == ["ada@example.com", "bob@example.com"]
    # Bob as a public subscriber (he manages that himself), Ada through her first group.
    by_audience = delivered_by_audience(event.id)
    assert by_audience == {(PUBLIC, "email"): 1, (executives.public_id, "email"): 1}
    assert {(line.audience, line.channel): line.recipients for line in preview} == {
        (PUBLIC, "email"): 1, (executives.public_id, "email"): 1,
        (support.public_id, "email"): 0}


def test_receipts_apply_to_stakeholder_deliveries(
    app: Flask, factory: Factory, providers: None, fake_twilio: FakeTwilio,
) -> None:
    from statuspage.delivery import receipts

    group_with("Executives", ADA)
    store_plan({"Executives": ["sms", "email"]})
    incident = _quiet_incident(factory)
    event = _publish(app, incident, visibility="internal")
    assert event is not None
    sms = next(d for d in deliveries(event.id) if d.channel == "sms")
    mail = next(d for d in deliveries(event.id) if d.channel == "email")

    assert receipts.apply_twilio_status(sms.provider_message_id or "", "delivered", None)
    counts = receipts.apply_sendgrid_events([{
        "event": "bounce", "type": "bounce", "email": "ada@example.com",
        "delivery_id": str(mail.id), "sg_event_id": "evt-1", "reason": "550 no such user"}])

    assert counts["applied"] == 1
    states = {d.channel: d.state for d in deliveries(event.id)}
    assert states == {"sms": "delivered", "email": "failed"}
    bounced = db.session.get(Subscriber, mail.subscriber_id)
    assert bounced is not None and bounced.suppression_reason == "bounce"
    # A bounced member's address is not tried again; their phone still is.
    again = _publish(app, incident, visibility="internal")
    assert again is not None
    assert [d.channel for d in deliveries(again.id)] == ["sms"]


def test_stakeholder_sms_go_through_the_paced_pump(
    app: Flask, factory: Factory, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from statuspage.notify import registry
    from tests.test_delivery_sms import FakeClock, RecordingSms

    group_with("Executives", *(MemberInput(f"M{n}", phone=f"+1202555{n:04d}")
                               for n in range(5)))
    store_plan({"Executives": ["sms"]})
    app.config["TWILIO_MAX_PER_SECOND"] = 4.0
    incident = _quiet_incident(factory)
    with queued_tasks():
        post_update(incident, UpdateInput(status="identified", body="x",
                                          visibility="internal"), None)
        run_worker(app, only=["expand_event"])
    clock = FakeClock()
    channel = RecordingSms(clock)
    monkeypatch.setattr(registry, "sms_channel", lambda: channel)

    assert run_sms_pump(clock=clock, sleep=clock.sleep, concurrency=1) == 5

    times = [t - channel.sent[0][0] for t, _ in channel.sent]
    assert times == pytest.approx([i * 0.25 for i in range(5)])
