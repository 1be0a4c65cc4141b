"""Before the first public update: when it is due (the severity's first-update target from the
declaration, else a cadence from the start), and a reminder to the communications lead when
it is overdue, also when the opening update is stuck in approval, worded honestly. The clock
is passed in (`now=`), never patched."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from statuspage.core.extensions import db
from statuspage.incidents import approvals, cadence
from statuspage.incidents.lifecycle import IncidentInput, open_incident
from statuspage.incidents.roles import assign_roles
from statuspage.incidents.updates import UpdateInput
from statuspage.models import Incident, User, utcnow
from statuspage.page.record import get_page
from tests.factories import Factory
from tests.metrics_support import declared_at, set_targets
from tests.subscription_support import outbox

PHONE = "+447911123456"


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


@pytest.fixture
def t0() -> datetime:
    return utcnow().replace(microsecond=0) - timedelta(hours=12)


def _waiting(factory: Factory, t0: datetime, severity: str = "SEV1",
             started: datetime | None = None) -> tuple[Incident, User]:
    """Declared at t0 with a lead; its opening update waits for approval."""
    get_page()
    lead = factory.user(role="communicator", email="lead@example.com", phone=PHONE)
    incident = open_incident(IncidentInput(
        name="Checkout down", severity=severity, started_at=started or t0,
        update=UpdateInput(status="investigating", body="Looking.")), lead)
    assert incident.awaiting_approval
    assign_roles(incident, None, lead.id, None)
    return declared_at(incident, t0), lead


def _reloaded(incident: Incident) -> Incident:
    db.session.expire_all()
    found = db.session.get(Incident, incident.id)
    assert found is not None
    return found


def test_the_first_update_is_due_by_the_target_from_the_declaration(
    factory: Factory, t0: datetime,
) -> None:
    set_targets("SEV1", first_update_minutes=15, approval=True)
    # The impact began an hour before the declaration: the target counts from the latter.
    incident, _ = _waiting(factory, t0, started=t0 - minutes(60))

    state = cadence.cadence_state(incident, now=t0 + minutes(10))

    assert state.awaiting_first and state.last_public_at is None
    assert state.minutes_since is None
    assert state.next_due == t0 + minutes(15)
    assert (state.overdue, state.minutes_until_due, state.drafts_waiting) == (False, 5, 1)
    assert cadence.cadence_state(incident, now=t0 + minutes(20)).minutes_overdue == 5


def test_without_a_target_the_first_is_due_a_cadence_after_the_start(
    factory: Factory, t0: datetime,
) -> None:
    set_targets("SEV1", approval=True, first_update_minutes=None)  # no target, every 30 min
    incident, _ = _waiting(factory, t0, started=t0 - minutes(10))

    assert cadence.cadence_state(incident, now=t0).next_due == t0 + minutes(20)


def test_a_first_update_stuck_in_approval_reminds_the_lead_honestly(
    factory: Factory, t0: datetime,
) -> None:
    set_targets("SEV1", first_update_minutes=15, approval=True)
    incident, lead = _waiting(factory, t0)

    assert cadence.send_due_reminders(t0 + minutes(15)) == []  # due, not late
    assert cadence.send_due_reminders(t0 + minutes(16)) == [incident.public_id]
    assert cadence.send_due_reminders(t0 + minutes(17)) == []

    (email,) = outbox("email", to=lead.email)
    due = (t0 + minutes(15)).strftime("%H:%M UTC")
    assert email.subject == f"[{get_page().name}] First update due: Checkout down"
    assert f"No public update yet on “Checkout down” (SEV1); the first was due at {due}." \
        in email.body
    assert "within 15 min of declaring the incident" in email.body
    assert "One update is waiting for approval." in email.body
    assert "Last public update" not in email.body and "min ago" not in email.body
    (sms,) = outbox("sms", to=PHONE)
    assert ": no public update yet, first overdue by 1 min, 1 waits for approval." in sms.body
    # Still nothing public a cadence later: reminded again, once.
    assert cadence.send_due_reminders(t0 + minutes(46)) == [incident.public_id]
    assert cadence.send_due_reminders(t0 + minutes(47)) == []
    assert len(outbox("email", to=lead.email)) == 2


def test_approving_the_first_update_stops_the_first_update_reminders(
    factory: Factory, t0: datetime,
) -> None:
    set_targets("SEV1", first_update_minutes=15, approval=True)
    incident, _ = _waiting(factory, t0)
    approver = factory.user(role="communicator")
    approvals.approve_update(_reloaded(incident).updates[0], approver)
    published = _reloaded(incident).updates[0].published_at
    assert published is not None

    # The public saw it at `published`: the next is due a cadence (30 min) after that.
    state = cadence.cadence_state(_reloaded(incident), now=published + minutes(5))
    assert (state.awaiting_first, state.minutes_since, state.next_due) == (
        False, 5, published + minutes(30))
    assert cadence.send_due_reminders(published + minutes(5)) == []


def test_a_target_without_a_cadence_reminds_once_per_target_period(
    factory: Factory, t0: datetime,
) -> None:
    set_targets("SEV4", first_update_minutes=60, cadence_minutes=None, approval=True)
    incident, lead = _waiting(factory, t0, severity="SEV4")

    assert cadence.send_due_reminders(t0 + minutes(59)) == []
    assert cadence.send_due_reminders(t0 + minutes(61)) == [incident.public_id]
    assert cadence.send_due_reminders(t0 + minutes(90)) == []
    assert cadence.send_due_reminders(t0 + minutes(121)) == [incident.public_id]
    assert len(outbox("email", to=lead.email)) == 2
