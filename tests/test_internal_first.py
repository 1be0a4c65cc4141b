"""Internal first: stakeholder groups hear of a public update at once, while it waits for
approval; the public hears of it once, when it is published. Through the real worker code and
the fake SendGrid and Twilio."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.incidents.approvals import approve_update
from statuspage.incidents.lifecycle import IncidentInput, open_incident, post_update
from statuspage.incidents.maintenance import MaintenanceInput, schedule_maintenance
from statuspage.incidents.updates import UpdateInput
from statuspage.models import FanoutEvent, Incident, IncidentUpdate, User, utcnow
from statuspage.models.plan import MAINTENANCE_PLAN, PUBLIC
from statuspage.outbox import publish as delivery
from statuspage.plan import rules as plan
from statuspage.plan import yaml_io
from statuspage.plan.stakeholder_members import MemberInput
from tests.delivery_support import (
    add_subscribers,
    email,
    phone,
    queued_tasks,
    run_worker,
)
from tests.factories import Factory
from tests.fakes.providers import FakeSendGrid, FakeTwilio
from tests.stakeholder_support import group_with, store_plan

# Every task run in-process must succeed (tests/conftest.py `errors`).
pytestmark = pytest.mark.usefixtures("errors")

ADA = MemberInput("Ada", "ada@example.com", "+12025550143")
DRAFT = "Checkout fails for every customer; we are failing over the database."
LINK = re.compile(r"https://status\.example\.com/internal/[0-9a-z.]+\.[0-9A-Za-z_-]{22}")


def approval_plan(severity: str = "SEV1") -> None:
    """The public and Executives hear every event at `severity` by email and SMS, and its
    public updates need approval."""
    store_plan({PUBLIC: ["email", "sms"], "Executives": ["email", "sms"]}, severity)
    yaml_io.import_yaml(yaml_io.export_yaml().replace("approval: false", "approval: true"), None)
    assert plan.needs_approval(severity)


def sent(fake_sendgrid: FakeSendGrid, fake_twilio: FakeTwilio) -> list[dict[str, str]]:
    """Every message the providers were asked to send, in order: to, subject, text, html.

    Approval notices to console users (statuspage.incidents.approval_notices) are left out: these
    tests are about what the audiences hear."""
    found = []
    for send in fake_sendgrid.sends:
        body = send.json
        if "Approval needed" in body.get("subject", ""):
            continue
        for person in body["personalizations"]:
            text, html = body["content"][0]["value"], body["content"][1]["value"]
            for key, value in person.get("substitutions", {}).items():
                text, html = text.replace(key, value), html.replace(key, value)
            found.append({"to": person["to"][0]["email"], "subject": body["subject"],
                          "text": text, "html": html,
                          "message_id": body["headers"]["Message-ID"]})
    found.extend({"to": m.param("To"), "subject": "", "text": m.param("Body"), "html": "",
                  "message_id": ""} for m in fake_twilio.messages)
    return found


def to(messages: list[dict[str, str]], address: str) -> list[dict[str, str]]:
    return [m for m in messages if m["to"] == address]


def _open(app: Flask, factory: Factory, author: User, **update: Any) -> Incident:
    api = factory.component("API")
    with queued_tasks():
        incident = open_incident(IncidentInput(
            name="Checkout down", severity="SEV1", update=UpdateInput(
                status="investigating", body=DRAFT,
                component_statuses={api.id: "major_outage"}, **update)), author)
        run_worker(app)
    return incident


def _approve(app: Flask, update: IncidentUpdate, reviewer: User) -> None:
    with queued_tasks():
        approve_update(update, reviewer, "")
        run_worker(app)


def _public_addresses() -> set[str]:
    return {email(0), email(1), phone(0)}


def _subscribers() -> None:
    add_subscribers(2)
    add_subscribers(1, "sms")


def test_a_draft_reaches_the_groups_at_once_and_the_public_only_once_approved(
    app: Flask, factory: Factory, providers: None, fake_sendgrid: FakeSendGrid,
    fake_twilio: FakeTwilio,
) -> None:
    group_with("Executives", ADA)
    approval_plan()
    _subscribers()
    author, reviewer = factory.user(role="communicator"), factory.user(role="communicator")

    incident = _open(app, factory, author)

    update = incident.updates[0]
    assert update.state == "draft" and incident.awaiting_approval
    told = sent(fake_sendgrid, fake_twilio)
    assert {m["to"] for m in told} == {"ada@example.com", "+12025550143"}  # no public address
    mail, = to(told, "ada@example.com")
    assert mail["subject"].startswith("[Awaiting approval] ")
    for part in (mail["text"], mail["html"]):
        assert "Public update awaiting approval" in part and DRAFT in part
        assert "SEV1" in part and "API: Major Outage" in part
    text = to(told, "+12025550143")[0]["text"]
    assert text.startswith("Public update awaiting approval\n")
    assert "SEV1" in text and "API: Major Outage" in text and LINK.search(text)
    event = db.session.execute(select(FanoutEvent)).scalar_one()
    assert event.channels == [] and event.update_id == update.id

    _approve(app, update, reviewer)

    after = [m for m in sent(fake_sendgrid, fake_twilio) if m not in told]
    assert sorted(m["to"] for m in after) == sorted(_public_addresses())  # each exactly once
    assert all("awaiting approval" not in m["text"] for m in after)
    assert all("/internal/" not in m["text"] + m["html"] for m in after)


def test_after_an_edit_the_groups_get_the_published_version(
    app: Flask, factory: Factory, providers: None, fake_sendgrid: FakeSendGrid,
    fake_twilio: FakeTwilio,
) -> None:
    group_with("Executives", ADA)
    approval_plan()
    _subscribers()
    author, reviewer = factory.user(role="communicator"), factory.user(role="communicator")
    incident = _open(app, factory, author)
    update = incident.updates[0]
    update.body = "Checkout fails for some customers."  # the approver's edit
    db.session.commit()

    _approve(app, update, reviewer)

    messages = sent(fake_sendgrid, fake_twilio)
    for address in ("ada@example.com", "+12025550143"):
        first, second = to(messages, address)
        assert "awaiting approval" in first["text"] and DRAFT in first["text"]
        assert "awaiting approval" not in second["text"]
        assert "some customers" in second["text"]
    for address in _public_addresses():
        only, = to(messages, address)
        assert "some customers" in only["text"]
    # Two emails about one update: a mail client must not drop the second as a duplicate.
    notice, published = to(messages, "ada@example.com")
    assert notice["message_id"] != published["message_id"]
    assert published["message_id"] == to(messages, email(0))[0]["message_id"]


def test_an_update_approved_as_edited_reaches_the_groups_again(
    app: Flask, factory: Factory, providers: None, fake_sendgrid: FakeSendGrid,
    fake_twilio: FakeTwilio,
) -> None:
    """The approvals' edit-and-approve records review_action "edited": the groups hear the
    published version even when the edit left the text as it was."""
    group_with("Executives", ADA)
    approval_plan()
    author = factory.user(role="communicator")
    incident = _open(app, factory, author)
    update = incident.updates[0]
    with queued_tasks():
        update.state, update.review_action, update.published_at = "published", "edited", utcnow()
        incident.awaiting_approval = False
        delivery.create_fanout(update)
        db.session.commit()
        run_worker(app)

    assert len(to(sent(fake_sendgrid, fake_twilio), "ada@example.com")) == 2
    assert len(to(sent(fake_sendgrid, fake_twilio), "+12025550143")) == 2


def test_a_later_draft_update_and_a_maintenance_announcement_reach_the_groups_at_once(
    app: Flask, factory: Factory, providers: None, fake_sendgrid: FakeSendGrid,
    fake_twilio: FakeTwilio,
) -> None:
    group_with("Executives", ADA)
    store_plan({PUBLIC: ["email"], "Executives": ["email"]}, MAINTENANCE_PLAN)
    yaml_io.import_yaml(yaml_io.export_yaml().replace("approval: false", "approval: true"), None)
    add_subscribers(1)
    start = utcnow() + timedelta(days=1)

    with queued_tasks():
        work = schedule_maintenance(MaintenanceInput(
            name="Router swap", scheduled_for=start, scheduled_until=start + timedelta(hours=2),
            body="Planned work on the routers."), factory.user(role="communicator"))
        run_worker(app)

    assert work.awaiting_approval
    mail, = sent(fake_sendgrid, fake_twilio)
    assert mail["to"] == "ada@example.com" and "Public update awaiting approval" in mail["text"]
    assert LINK.search(mail["text"]) and LINK.search(mail["html"])


def test_a_draft_update_of_a_published_incident_tells_the_groups_and_not_the_public(
    app: Flask, factory: Factory, providers: None, fake_sendgrid: FakeSendGrid,
    fake_twilio: FakeTwilio,
) -> None:
    group_with("Executives", ADA)
    store_plan({PUBLIC: ["email"], "Executives": ["email"]})
    add_subscribers(1)
    incident = factory.incident(severity="SEV1", deliver_notifications=False)
    yaml_io.import_yaml(yaml_io.export_yaml().replace("approval: false", "approval: true"), None)

    with queued_tasks():
        draft = post_update(incident, UpdateInput(status="identified", body="Found it."),
                            factory.user(role="communicator"))
        internal = post_update(incident, UpdateInput(status="identified", body="Root cause.",
                                                     visibility="internal"), None)
        run_worker(app)

    assert draft.state == "draft" and internal.state == "published"  # internal never waits
    messages = sent(fake_sendgrid, fake_twilio)
    assert [m["to"] for m in messages] == ["ada@example.com", "ada@example.com"]
    subjects = sorted(m["subject"] for m in messages)
    assert subjects[0].startswith("[Awaiting approval] ")
    assert subjects[1].startswith("[Internal] ")


def test_a_draft_that_notifies_no_one_tells_no_group(
    app: Flask, factory: Factory,
) -> None:
    group_with("Executives", ADA)
    approval_plan()
    _open(app, factory, factory.user(role="communicator"), deliver_notifications=False)

    assert db.session.execute(select(FanoutEvent)).first() is None
