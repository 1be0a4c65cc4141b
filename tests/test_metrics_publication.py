"""Response metrics measured to the moment the public could see an update (its publication),
from the declaration and from the back-dated start: detection, time in approval, cadence kept
on publication times, time to the published resolution."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from statuspage.core.extensions import db
from statuspage.incidents import approvals
from statuspage.incidents.lifecycle import IncidentInput, open_incident
from statuspage.incidents.metrics import human_duration, incident_metrics
from statuspage.incidents.updates import UpdateInput
from statuspage.models import Incident, PostmortemReview, utcnow
from tests.factories import Factory
from tests.metrics_support import T0, approved_update, scripted_incident, set_targets


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def test_a_draft_approved_59_seconds_later_counts_59_seconds(factory: Factory) -> None:
    # The case: the opening update waited for approval; the public saw it 59 s after
    # the declaration, not at once (the draft's creation said 0 s).
    set_targets("SEV2", approval=True)
    author, approver = factory.user(role="communicator"), factory.user(role="communicator")
    incident = open_incident(IncidentInput(
        name="Checkout down", severity="SEV2",
        update=UpdateInput(status="investigating", body="Looking.")), author)
    draft = incident.updates[0]
    assert draft.state == "draft"
    # Declared (and drafted) 59 seconds before the approval below.
    declared = utcnow() - timedelta(seconds=59)
    incident.created_at = incident.started_at = draft.created_at = declared
    db.session.commit()

    approvals.approve_update(draft, approver)

    m = incident_metrics(db.session.get(Incident, incident.id))
    assert m.first_update_from_declaration is not None
    assert abs(m.first_update_from_declaration - timedelta(seconds=59)) < timedelta(seconds=1)
    assert human_duration(m.first_update_from_declaration) in ("59 s", "1 min")
    assert len(m.approval_waits) == 1
    assert abs(m.approval_waits[0] - timedelta(seconds=59)) < timedelta(seconds=1)


def test_first_update_from_declaration_and_from_the_start_and_detection(app: Flask) -> None:
    # Impact began at T0, declared 7 minutes later, first public update at +12 (shown as of
    # T0, as a backdated opening update is).
    incident = scripted_incident(T0, "SEV2", [12, 50], resolved_minute=100, declared_minute=7)

    m = incident_metrics(incident, now=T0 + minutes(600))

    assert m.detection == minutes(7)
    assert m.first_update_from_declaration == minutes(5)
    assert m.first_update_from_start == minutes(12)
    assert m.resolve_from_start == minutes(100)
    assert m.resolve_from_declaration == minutes(93)


def test_a_back_dated_incident_declared_now_has_no_negative_detection(app: Flask) -> None:
    incident = scripted_incident(T0, "SEV3", [3], declared_minute=0)
    assert incident_metrics(incident, now=T0 + minutes(5)).detection == timedelta(0)


def test_cadence_is_kept_on_publication_times_not_draft_times(app: Flask) -> None:
    # SEV1, cadence 30. Published at +10; the next was drafted at +35 (on time) but only
    # approved at +70: the public waited 60 minutes, 30 of them overdue.
    incident = scripted_incident(T0, "SEV1", [10])
    approved_update(incident, T0 + minutes(35), T0 + minutes(70))
    approved_update(incident, T0 + minutes(80), T0 + minutes(90), status="resolved")

    m = incident_metrics(incident, now=T0 + minutes(600))

    assert m.overdue == minutes(30)
    assert m.cadence_kept == pytest.approx(1 - 30 / 90)
    assert m.longest_gap == minutes(60)
    assert m.cadence_met is False
    # The resolution counts from its publication (its approval), not its draft.
    assert m.resolve_from_start == minutes(90)
    assert sorted(w.total_seconds() / 60 for w in m.approval_waits) == [10, 35]
    assert (m.approval_total, m.approval_longest) == (minutes(45), minutes(35))


def test_a_back_dated_display_time_does_not_hide_a_late_update(app: Flask) -> None:
    # Published at +45 but shown as of the start: the public still waited 45 minutes. The
    # default plan's SEV1 target is a first public update within 15 minutes of declaring
    # (here at the start): overdue from +15 to +45.
    incident = scripted_incident(T0, "SEV1", [45], resolved_minute=60)
    m = incident_metrics(incident)
    assert m.first_update_from_start == minutes(45)
    assert m.overdue == minutes(30)


def test_the_first_update_target_counts_from_the_declaration(app: Flask) -> None:
    set_targets("SEV2", first_update_minutes=15)
    met = scripted_incident(T0, "SEV2", [40], resolved_minute=90, declared_minute=30)
    missed = scripted_incident(T0, "SEV2", [20], resolved_minute=90, declared_minute=0)
    waiting = scripted_incident(T0, "SEV2", [], declared_minute=0)

    assert incident_metrics(met, now=T0 + minutes(600)).first_update_met is True
    assert incident_metrics(missed, now=T0 + minutes(600)).first_update_met is False
    # No public update yet: not decided before the target passes, missed after.
    assert incident_metrics(waiting, now=T0 + minutes(10)).first_update_met is None
    late = incident_metrics(waiting, now=T0 + minutes(16))
    assert late.first_update_met is False and late.first_update_from_declaration is None
    # The console's OVERDUE counts from the target too: due at +15, overdue since.
    assert late.overdue == minutes(1)


def test_without_a_target_the_first_update_is_due_a_cadence_after_the_start(
    app: Flask,
) -> None:
    set_targets("SEV1", first_update_minutes=None)  # the default plan has one: remove it
    incident = scripted_incident(T0, "SEV1", [40], resolved_minute=60, declared_minute=20)
    m = incident_metrics(incident)
    assert m.first_update_target is None and m.first_update_met is None
    assert m.overdue == minutes(10)  # due at +30 (the cadence from the start), came at +40


def test_internal_updates_and_drafts_are_not_public_updates(app: Flask) -> None:
    incident = scripted_incident(T0, "SEV1", [20], internal_minutes=[5])
    draft = approved_update(incident, T0 + minutes(8), T0 + minutes(9))
    draft.state, draft.published_at, draft.review_action = "draft", None, None
    db.session.commit()

    m = incident_metrics(incident, now=T0 + minutes(30))

    assert m.first_update_from_start == minutes(20)
    assert m.public_updates == 1
    assert m.approval_waits == ()


def test_the_postmortem_time_in_approval(factory: Factory) -> None:
    incident = scripted_incident(T0, "SEV2", [5], resolved_minute=60)
    db.session.add_all([
        PostmortemReview(incident_id=incident.id, body="First try.", state="rejected",
                         created_at=T0 + minutes(100), reviewed_at=T0 + minutes(130)),
        PostmortemReview(incident_id=incident.id, body="Second.", state="published",
                         created_at=T0 + minutes(200), reviewed_at=T0 + minutes(245)),
    ])
    db.session.commit()

    m = incident_metrics(incident, now=T0 + minutes(600))

    assert m.postmortem_approval == minutes(45)
    assert incident_metrics(scripted_incident(T0, "SEV2", [5])).postmortem_approval is None
