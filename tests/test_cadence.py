"""Update cadence: next-due times from the plan, overdue, and reminders to the communications
lead once per overdue period. The clock is passed in (`now=`), never patched."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.incidents import cadence
from statuspage.incidents.lifecycle import post_update, resolve_incident
from statuspage.incidents.metrics import incident_metrics
from statuspage.incidents.roles import assign_roles
from statuspage.incidents.updates import UpdateInput
from statuspage.models import AuditEntry, Incident, User, utcnow
from statuspage.notify.base import DeliveryError
from statuspage.page.record import get_page
from statuspage.plan import save as plan_save
from statuspage.plan import yaml_io
from tests.factories import Factory
from tests.metrics_support import declared_at, published_at
from tests.subscription_support import outbox

# Far enough back that every update the tests date after it still lies in the past.
HOURS_BACK = 12


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


@pytest.fixture
def t0() -> datetime:
    return utcnow().replace(microsecond=0) - timedelta(hours=HOURS_BACK)


def _reloaded(incident: Incident) -> Incident:
    db.session.expire_all()
    found = db.session.get(Incident, incident.id)
    assert found is not None
    return found


def _led_incident(factory: Factory, t0: datetime, severity: str = "SEV1"
                  ) -> tuple[Incident, User]:
    """An incident started, declared and first updated at t0 with a communications lead."""
    lead = factory.user(role="communicator", email="lead@example.com")
    incident = declared_at(factory.incident(severity=severity, started_at=t0), t0)
    assign_roles(incident, None, lead.id, None)
    return incident, lead


def _update(incident: Incident, at: datetime, visibility: str = "public") -> None:
    """An update posted (and published) at `at`."""
    published_at(post_update(_reloaded(incident), UpdateInput(
        status="identified", body="Still on it.", display_at=at, visibility=visibility), None),
        at)


def _reminders(lead: User) -> list[str]:
    return [m.subject for m in outbox("email", to=lead.email)]


@pytest.mark.parametrize(("severity", "expected"), [
    ("SEV1", 30), ("SEV2", 60), ("SEV3", 120), ("SEV4", None)])
def test_next_due_follows_the_plan_cadence_per_severity(
    factory: Factory, t0: datetime, severity: str, expected: int | None,
) -> None:
    incident = declared_at(factory.incident(severity=severity, started_at=t0), t0)

    state = cadence.cadence_state(incident, now=t0 + minutes(10))

    assert state.last_public_at == t0
    assert state.cadence_minutes == expected
    assert state.next_due == (t0 + minutes(expected) if expected else None)
    assert state.minutes_since == 10


def test_overdue_only_once_past_the_due_time(factory: Factory, t0: datetime) -> None:
    incident = declared_at(factory.incident(severity="SEV1", started_at=t0), t0)

    on_time = cadence.cadence_state(incident, now=t0 + minutes(30))
    late = cadence.cadence_state(incident, now=t0 + minutes(42))

    assert (on_time.overdue, on_time.minutes_until_due) == (False, 0)
    assert (late.overdue, late.minutes_overdue) == (True, 12)


def test_a_changed_plan_changes_the_due_time(factory: Factory, t0: datetime) -> None:
    document = yaml_io.export_document()
    document["severities"]["SEV2"]["cadence_minutes"] = 15  # type: ignore[index]
    plan_save.save_document(document, None)
    incident = declared_at(factory.incident(severity="SEV2", started_at=t0), t0)

    assert cadence.cadence_state(incident, now=t0).next_due == t0 + minutes(15)


def test_the_clock_restarts_at_the_newest_public_update_not_an_internal_one(
    factory: Factory, t0: datetime,
) -> None:
    incident = declared_at(factory.incident(severity="SEV1", started_at=t0), t0)
    _update(incident, t0 + minutes(20))
    _update(incident, t0 + minutes(40), visibility="internal")

    state = cadence.cadence_state(_reloaded(incident), now=t0 + minutes(45))

    assert state.last_public_at == t0 + minutes(20)
    assert state.next_due == t0 + minutes(50)


def test_a_resolved_incident_is_never_due(factory: Factory, t0: datetime) -> None:
    incident = factory.incident(severity="SEV1", started_at=t0)
    resolve_incident(incident, "Fixed.", None, display_at=t0 + minutes(5))

    state = cadence.cadence_state(_reloaded(incident), now=t0 + minutes(500))

    assert (state.next_due, state.overdue) == (None, False)


def test_one_reminder_per_overdue_period(factory: Factory, t0: datetime) -> None:
    incident, lead = _led_incident(factory, t0)
    due = t0 + minutes(30)

    assert cadence.send_due_reminders(due) == []  # on time, not late
    first = cadence.send_due_reminders(due + minutes(1))
    again = cadence.send_due_reminders(due + minutes(2))

    assert first == [incident.public_id]
    assert again == []
    assert _reminders(lead) == [f"[{get_page().name}] Update due: Something is broken"]
    assert _reloaded(incident).cadence_reminded_at == due + minutes(1)

    # Another full period without a public update: a second reminder, and only one.
    assert cadence.send_due_reminders(due + minutes(30)) == []
    assert cadence.send_due_reminders(due + minutes(31)) == [incident.public_id]
    assert cadence.send_due_reminders(due + minutes(32)) == []
    assert len(_reminders(lead)) == 2


def test_the_reminder_links_to_the_console_incident(factory: Factory, t0: datetime,
                                                    app: Flask) -> None:
    incident, lead = _led_incident(factory, t0)

    cadence.send_due_reminders(t0 + minutes(45))

    (message,) = outbox("email", to=lead.email)
    link = f"{app.config['PUBLIC_BASE_URL']}/console/incidents/{incident.public_id}"
    assert link in message.body
    assert f'href="{link}"' in (message.html or "")
    assert "every 30 min" in message.body


def test_a_public_update_stops_the_reminders_until_overdue_again(
    factory: Factory, t0: datetime,
) -> None:
    incident, lead = _led_incident(factory, t0)
    assert cadence.send_due_reminders(t0 + minutes(31)) == [incident.public_id]

    _update(incident, t0 + minutes(35))

    assert cadence.send_due_reminders(t0 + minutes(61)) == []
    assert cadence.send_due_reminders(t0 + minutes(64)) == []
    assert len(_reminders(lead)) == 1
    # Late again after the update's own period: a reminder for this new overdue period.
    assert cadence.send_due_reminders(t0 + minutes(66)) == [incident.public_id]
    assert len(_reminders(lead)) == 2


def test_internal_updates_do_not_reset_the_clock(factory: Factory, t0: datetime) -> None:
    incident, lead = _led_incident(factory, t0)
    _update(incident, t0 + minutes(25), visibility="internal")

    assert cadence.send_due_reminders(t0 + minutes(31)) == [incident.public_id]
    assert len(_reminders(lead)) == 1


def test_no_reminder_after_resolution(factory: Factory, t0: datetime) -> None:
    incident, lead = _led_incident(factory, t0)
    resolve_incident(_reloaded(incident), "Fixed.", None, display_at=t0 + minutes(20))

    assert cadence.send_due_reminders(t0 + minutes(300)) == []
    assert _reminders(lead) == []


def test_no_reminder_without_a_comms_lead_or_a_cadence(factory: Factory, t0: datetime) -> None:
    factory.incident(severity="SEV1", started_at=t0)
    lead = factory.user(role="communicator")
    quiet = factory.incident(severity="SEV4", started_at=t0)
    assign_roles(quiet, None, lead.id, None)

    assert cadence.send_due_reminders(t0 + minutes(600)) == []
    assert outbox("email") == []


def test_a_refused_send_is_retried_on_the_next_run(
    factory: Factory, t0: datetime, monkeypatch: pytest.MonkeyPatch,
) -> None:
    incident, lead = _led_incident(factory, t0)

    class Refusing:
        def send_batch(self, *_: object) -> str:
            raise DeliveryError("provider down", permanent=False)

    monkeypatch.setattr(cadence, "email_channel", Refusing)
    assert cadence.send_due_reminders(t0 + minutes(31)) == []
    assert _reloaded(incident).cadence_reminded_at is None

    monkeypatch.undo()
    assert cadence.send_due_reminders(t0 + minutes(32)) == [incident.public_id]
    assert len(_reminders(lead)) == 1


def test_the_claim_lets_only_one_run_remind(
    factory: Factory, t0: datetime, monkeypatch: pytest.MonkeyPatch,
) -> None:
    incident, lead = _led_incident(factory, t0)
    now = t0 + minutes(31)
    assert cadence.remind(incident.id, now) == incident.public_id

    # A second worker that read the incident as due before the first one claimed it: only
    # the conditional UPDATE stands between it and a second email.
    monkeypatch.setattr(cadence, "reminder_due", lambda *_: True)
    assert cadence.remind(incident.id, now) is None
    assert len(_reminders(lead)) == 1


def test_roles_are_assigned_audited_and_must_be_active_users(factory: Factory) -> None:
    commander = factory.user(role="admin", email="cmd@example.com")
    lead = factory.user(role="communicator", email="comms@example.com")
    gone = factory.user(role="communicator", is_active_user=False)
    actor = factory.user(role="communicator")
    incident = factory.incident()

    assign_roles(incident, commander.id, lead.id, actor)

    incident = _reloaded(incident)
    assert (incident.commander_id, incident.comms_lead_id) == (commander.id, lead.id)
    entry = db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "incident.roles")).scalar_one()
    assert (entry.actor_id, entry.target_id) == (actor.id, incident.public_id)
    assert entry.details == {"commander": "cmd@example.com", "comms_lead": "comms@example.com"}

    with pytest.raises(DomainError) as refused:
        assign_roles(incident, gone.id, None, actor)
    assert refused.value.field == "commander_id"
    with pytest.raises(DomainError):
        assign_roles(incident, None, 999_999, actor)
    assert _reloaded(incident).commander_id == commander.id


def test_metrics_measure_against_the_plan_cadence(factory: Factory, t0: datetime) -> None:
    document = yaml_io.export_document()
    document["severities"]["SEV3"]["cadence_minutes"] = 10  # type: ignore[index]
    plan_save.save_document(document, None)
    incident = factory.incident(severity="SEV3", started_at=t0)

    m = incident_metrics(incident, now=incident.created_at + minutes(25))

    assert m.cadence_minutes == 10
    assert m.cadence_kept is not None and m.cadence_kept < 1
