"""Every message to a stakeholder links to their own internal incident view, and says the
severity and the affected components; public subscribers' messages never carry such a link."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from statuspage.core import segments
from statuspage.core.extensions import db
from statuspage.incidents import maintenance_automation, postmortems
from statuspage.incidents.lifecycle import (
    IncidentInput,
    open_incident,
    post_update,
    resolve_incident,
)
from statuspage.incidents.maintenance import MaintenanceInput, schedule_maintenance
from statuspage.incidents.updates import UpdateInput
from statuspage.models import PlanSetting, StakeholderMember, Subscriber, utcnow
from statuspage.models.plan import MAINTENANCE_PLAN, PLAN_SEVERITIES, PUBLIC
from statuspage.plan import save as plan_save
from statuspage.plan.document import VERSION, events_for
from statuspage.plan.stakeholder_members import MemberInput
from tests.delivery_support import (
    add_subscribers,
    queued_tasks,
    run_worker,
)
from tests.factories import Factory
from tests.fakes.providers import FakeSendGrid, FakeTwilio
from tests.stakeholder_support import group_with
from tests.test_internal_first import LINK, sent

# Every task run in-process must succeed (tests/conftest.py `errors`).
pytestmark = pytest.mark.usefixtures("errors")

ADA = MemberInput("Ada", "ada@example.com", "+12025550143")
BOB = MemberInput("Bob", "bob@example.com", "", "nb")
CY = MemberInput("Cy", "", "+12025550144")
MEMBER_ADDRESSES = {"ada@example.com", "+12025550143", "bob@example.com", "+12025550144"}


def everyone_hears_everything(definition: str = "") -> None:
    """The public and Executives hear every SEV1 and maintenance event by email and SMS;
    `definition`: what SEV1 means."""
    audiences = {PUBLIC: ["email", "sms"], "Executives": ["email", "sms"]}
    plan_save.save_document({"version": VERSION, "severities": {
        sev: {"cadence_minutes": None, "approval": False,
              "audiences": {audience: {event: channels for event in events_for(sev)}
                            for audience, channels in audiences.items()}
              if sev in ("SEV1", MAINTENANCE_PLAN) else {}}
        for sev in PLAN_SEVERITIES}}, None)
    # Set on the stored row: the plan document learns the definition in another change.
    db.session.execute(update(PlanSetting).where(PlanSetting.severity == "SEV1")
                       .values(definition=definition))
    db.session.commit()


def _members() -> dict[str, StakeholderMember]:
    members = db.session.execute(db.select(StakeholderMember)).scalars()
    return {m.name: m for m in members}


def test_every_stakeholder_email_and_sms_carries_the_members_own_link_to_the_view(
    app: Flask, client: FlaskClient, factory: Factory, providers: None,
    fake_sendgrid: FakeSendGrid, fake_twilio: FakeTwilio,
) -> None:
    group_with("Executives", ADA, BOB, CY)
    everyone_hears_everything()
    add_subscribers(1)
    add_subscribers(1, "sms")
    api = factory.component("API")
    start = utcnow() + timedelta(days=1)
    with queued_tasks():
        incident = open_incident(IncidentInput(
            name="Checkout down", severity="SEV1", update=UpdateInput(
                status="investigating", body="Looking.",
                component_statuses={api.id: "major_outage"})), None)
        post_update(incident, UpdateInput(status="identified", body="Bad deploy.",
                                          visibility="internal"), None)
        resolve_incident(incident, "Fixed.", None)
        postmortems.save_draft(incident, "## What happened\nA bad deploy.", None)
        postmortems.publish(incident, True, None)
        work = schedule_maintenance(MaintenanceInput(
            name="Router swap", scheduled_for=start, scheduled_until=start + timedelta(hours=1),
            body="Planned.", remind_before_minutes=60), None)
        maintenance_automation.remind(work.id, utcnow())
        run_worker(app)

    messages = sent(fake_sendgrid, fake_twilio)
    members = _members()
    own = {"ada@example.com": members["Ada"], "+12025550143": members["Ada"],
           "bob@example.com": members["Bob"], "+12025550144": members["Cy"]}
    # Per member: opened, internal update, resolved, postmortem; scheduled, reminder.
    for address, member in own.items():
        theirs = [m for m in messages if m["to"] == address]
        assert len(theirs) == 6, address
        for message in theirs:
            found = set(LINK.findall(message["text"]))
            assert len(found) == 1, (address, message["text"])
            link, = found
            assert link in message["html"] or not message["html"]
            path = urlsplit(link).path
            assert path.split("/")[-1].startswith(f"{member.public_id}.")
            page = client.get(path)
            assert page.status_code == 200, (address, message["subject"])
            assert member.name in page.get_data(as_text=True)
    for message in messages:
        if message["to"] not in MEMBER_ADDRESSES:
            assert "/internal/" not in message["text"] + message["html"]
            assert "%%" not in message["text"]


def test_stakeholder_messages_say_the_severity_with_its_meaning_and_the_components(
    app: Flask, factory: Factory, providers: None, fake_sendgrid: FakeSendGrid,
    fake_twilio: FakeTwilio,
) -> None:
    group_with("Executives", ADA)
    everyone_hears_everything("Checkout or login down for all customers")
    add_subscribers(1)
    api, web = factory.component("API"), factory.component("Web")
    with queued_tasks():
        open_incident(IncidentInput(name="Checkout down", severity="SEV1", update=UpdateInput(
            status="identified", body="Failing over.",
            component_statuses={api.id: "major_outage", web.id: "degraded_performance"})),
            None)
        run_worker(app)

    messages = sent(fake_sendgrid, fake_twilio)
    mail = next(m for m in messages if m["to"] == "ada@example.com")
    text = next(m["text"] for m in messages if m["to"] == "+12025550143")
    public = next(m for m in messages if m["to"] == "reader0@example.com")
    for part in (mail["text"], mail["html"]):
        assert "Severity: SEV1" in part and "Checkout or login down for all customers" in part
        assert "API: Major Outage" in part and "Web: Degraded Performance" in part
    assert "Acme: SEV1 Checkout down - Identified" in text
    assert "API: Major Outage, Web: Degraded Performance" in text
    assert "Severity" not in public["text"] and "login down" not in public["text"]


def test_a_long_stakeholder_sms_shortens_the_title_first_and_keeps_the_whole_link(
    app: Flask, client: FlaskClient, factory: Factory, providers: None,
    fake_twilio: FakeTwilio,
) -> None:
    group_with("Executives", CY)
    # Not the number's first SMS, which must also fit the opt-out line (the test below).
    db.session.execute(update(Subscriber).where(Subscriber.address == CY.phone)
                       .values(opt_out_notice_at=utcnow()))
    db.session.commit()
    everyone_hears_everything()
    components = [factory.component(f"Payment gateway {n}") for n in range(6)]
    title = "Customers in every region cannot complete checkout or sign in " * 3
    body = "We failed over the primary database and are watching error rates closely."
    with queued_tasks():
        open_incident(IncidentInput(name=title.strip(), severity="SEV1", update=UpdateInput(
            status="identified", body=body,
            component_statuses={c.id: "major_outage" for c in components})), None)
        run_worker(app)

    text = next(m.param("Body") for m in fake_twilio.messages if m.param("To") == CY.phone)
    assert segments.segment_count(text) <= 2
    assert "SEV1" in text and "Payment gateway 0: Major Outage" in text and "(+" in text
    assert body in text  # the body kept whole: the title was cut instead
    assert title.strip() not in text and "..." in text.splitlines()[0]
    link, = LINK.findall(text)
    assert client.get(urlsplit(link).path).status_code == 200


def test_a_stakeholders_first_sms_carries_the_opt_out_line_even_when_it_costs_a_segment(
    app: Flask, factory: Factory, providers: None, fake_twilio: FakeTwilio,
) -> None:
    # The number's first SMS must carry the opt-out wording (test_delivery_sms_notice); a
    # stakeholder's is no exception, even when the wording does not fit beside the text.
    group_with("Executives", CY)
    everyone_hears_everything()
    component = factory.component("Payment gateway")
    body = "We failed over the primary database and are watching error rates closely. " * 3
    with queued_tasks():
        open_incident(IncidentInput(name="Checkout errors", severity="SEV1", update=UpdateInput(
            status="identified", body=body.strip(),
            component_statuses={component.id: "major_outage"})), None)
        run_worker(app)

    text = next(m.param("Body") for m in fake_twilio.messages if m.param("To") == CY.phone)
    assert text.endswith("Reply STOP to unsubscribe")
    assert segments.segment_count(text) <= 2
