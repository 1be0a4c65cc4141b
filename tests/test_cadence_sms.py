"""Cadence reminders by SMS: a communications lead with a mobile phone gets the reminder by
email and by SMS, once per overdue period; either channel alone counts as sent. The clock is
passed in (`now=`), never patched; both channels use the log backend (the dev outbox)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from statuspage.core import segments
from statuspage.core.extensions import db
from statuspage.incidents import cadence
from statuspage.incidents.roles import assign_roles
from statuspage.models import Incident, User, utcnow
from statuspage.notify.base import DeliveryError
from statuspage.page.record import get_page
from tests.factories import Factory
from tests.metrics_support import declared_at
from tests.subscription_support import outbox

PHONE = "+447911123456"


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


@pytest.fixture
def t0() -> datetime:
    return utcnow().replace(microsecond=0) - timedelta(hours=12)


def _led_incident(factory: Factory, t0: datetime, phone: str | None = PHONE,
                  name: str = "Something is broken") -> tuple[Incident, User]:
    lead = factory.user(role="communicator", email="lead@example.com", phone=phone)
    incident = declared_at(factory.incident(severity="SEV1", started_at=t0, name=name), t0)
    assign_roles(incident, None, lead.id, None)
    return incident, lead


def _reminded_at(incident: Incident) -> datetime | None:
    db.session.expire_all()
    found = db.session.get(Incident, incident.id)
    assert found is not None
    return found.cadence_reminded_at


class Refusing:
    def send(self, *_: object) -> str:
        raise DeliveryError("provider down", permanent=False)

    send_batch = send


def test_a_lead_with_a_phone_gets_one_email_and_one_sms_per_overdue_period(
    factory: Factory, t0: datetime,
) -> None:
    incident, lead = _led_incident(factory, t0)
    due = t0 + minutes(30)

    assert cadence.send_due_reminders(due + minutes(7)) == [incident.public_id]
    assert cadence.send_due_reminders(due + minutes(8)) == []

    assert len(outbox("email", to=lead.email)) == 1
    (sms,) = outbox("sms", to=PHONE)
    link = f"/console/incidents/{incident.public_id}"
    assert sms.body.startswith(
        f"{get_page().name}: Something is broken update overdue by 7 min. Post one: http")
    assert sms.body.endswith(link)

    # The next overdue period: one more of each.
    assert cadence.send_due_reminders(due + minutes(37)) == [incident.public_id]
    assert cadence.send_due_reminders(due + minutes(38)) == []
    assert len(outbox("email", to=lead.email)) == 2
    assert len(outbox("sms", to=PHONE)) == 2


def test_a_lead_without_a_phone_gets_only_email(factory: Factory, t0: datetime) -> None:
    incident, lead = _led_incident(factory, t0, phone=None)

    assert cadence.send_due_reminders(t0 + minutes(31)) == [incident.public_id]

    assert len(outbox("email", to=lead.email)) == 1
    assert outbox("sms") == []


def test_the_sms_fits_one_gsm7_segment_even_for_long_names(
    factory: Factory, t0: datetime,
) -> None:
    # Curly quotes and an en dash: look-alikes that would turn the text into UCS-2.
    long_name = ("Checkout \u201cpayments\u201d failing for EU customers \u2013 "
                 + "very long words " * 12)
    incident, _ = _led_incident(factory, t0, name=long_name.strip())

    cadence.send_due_reminders(t0 + minutes(31))

    (sms,) = outbox("sms", to=PHONE)
    info = segments.analyse(sms.body)
    assert (info.encoding, info.segments) == (segments.GSM7, 1)
    assert sms.body.startswith(f"{get_page().name}: Checkout \"payments\" failing")
    assert sms.body.endswith(f"/console/incidents/{incident.public_id}")
    assert "... update overdue by 1 min." in sms.body


@pytest.mark.parametrize("broken", ["email_channel", "sms_channel"])
def test_one_refused_channel_does_not_stop_the_other_and_counts_as_sent(
    factory: Factory, t0: datetime, monkeypatch: pytest.MonkeyPatch, broken: str,
) -> None:
    incident, _ = _led_incident(factory, t0)
    monkeypatch.setattr(cadence, broken, Refusing)

    assert cadence.send_due_reminders(t0 + minutes(31)) == [incident.public_id]

    working = "sms" if broken == "email_channel" else "email"
    assert len(outbox(working)) == 1
    assert len(outbox()) == 1
    assert _reminded_at(incident) == t0 + minutes(31)
    # Sent is sent: no retry within the period, which would repeat the working channel.
    assert cadence.send_due_reminders(t0 + minutes(32)) == []
    assert len(outbox()) == 1


def test_both_channels_refused_releases_the_claim_for_a_retry(
    factory: Factory, t0: datetime, monkeypatch: pytest.MonkeyPatch,
) -> None:
    incident, lead = _led_incident(factory, t0)
    monkeypatch.setattr(cadence, "email_channel", Refusing)
    monkeypatch.setattr(cadence, "sms_channel", Refusing)

    assert cadence.send_due_reminders(t0 + minutes(31)) == []
    assert _reminded_at(incident) is None

    monkeypatch.undo()
    assert cadence.send_due_reminders(t0 + minutes(32)) == [incident.public_id]
    assert len(outbox("email", to=lead.email)) == 1
    assert len(outbox("sms", to=PHONE)) == 1
