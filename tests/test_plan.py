"""The communication plan decides who hears an event, through which channels, how often."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from statuspage.core.extensions import db
from statuspage.incidents.lifecycle import post_update, resolve_incident
from statuspage.incidents.maintenance import start_maintenance
from statuspage.incidents.updates import UpdateInput
from statuspage.models import AuditEntry, PlanRule, PlanSetting, StakeholderGroup
from statuspage.plan import routes as plan_routes
from statuspage.plan import rules as plan
from statuspage.plan import save as plan_save
from statuspage.plan.routes import Route, decide
from statuspage.plan.stakeholders import create_group, delete_group
from tests.factories import Factory


def _executives() -> str:
    return db.session.scalar(select(StakeholderGroup.public_id).filter_by(name="Executives"))


@pytest.fixture
def seeded(app: Flask) -> str:
    """The default plan stored; returns the Executives group's public id."""
    assert plan_save.seed_default_plan() is True
    return _executives()


def test_sev1_reaches_the_public_by_email_and_sms_on_open_and_resolve(seeded: str) -> None:
    assert decide("SEV1", "incident_opened") == [
        Route("public", ("email", "sms", "webhook", "chat")),
        Route(seeded, ("email", "sms", "chat"))]
    assert decide("SEV1", "incident_resolved")[0] == Route("public",
                                                           ("email", "sms", "webhook", "chat"))


def test_sev1_updates_email_the_public_and_text_the_executives(seeded: str) -> None:
    assert decide("SEV1", "incident_update") == [
        Route("public", ("email", "webhook", "chat")), Route(seeded, ("email", "sms", "chat"))]


def test_sev2_and_sev3_email_the_public_only(seeded: str) -> None:
    for event in ("incident_opened", "incident_update", "incident_resolved"):
        assert decide("SEV2", event) == [Route("public", ("email", "webhook", "chat"))]
    assert decide("SEV3", "incident_opened") == [Route("public", ("email", "webhook", "chat"))]
    assert decide("SEV3", "incident_update") == []
    assert decide("SEV3", "incident_resolved") == [Route("public", ("email", "webhook", "chat"))]


def test_the_default_sends_public_webhooks_and_chat_wherever_the_public_gets_email(
    seeded: str,
) -> None:
    from statuspage.plan.document import events_for

    emailed = 0
    for severity in ("SEV1", "SEV2", "SEV3", "SEV4", "maintenance"):
        for event in events_for(severity):
            public = [r.channels for r in decide(severity, event) if r.is_public]
            channels = public[0] if public else ()
            assert ("webhook" in channels) == ("email" in channels), (severity, event)
            assert ("chat" in channels) == ("email" in channels), (severity, event)
            emailed += "email" in channels
    # SEV1 and SEV2 every incident event (4 each), SEV3 opened and resolved, maintenance all 4.
    assert emailed == 14


def test_sev4_is_page_and_feeds_only(seeded: str) -> None:
    for event in ("incident_opened", "incident_update", "incident_resolved",
                  "postmortem_published"):
        assert decide("SEV4", event) == []
    assert plan.cadence_minutes("SEV4") is None


def test_maintenance_events_email_the_public(seeded: str) -> None:
    for event in ("maintenance_scheduled", "maintenance_reminder", "maintenance_started",
                  "maintenance_completed"):
        assert decide("maintenance", event) == [Route("public", ("email", "webhook", "chat"))]
    assert decide("maintenance", "incident_opened") == []


def test_postmortems_are_emailed_to_the_public_for_sev1_and_sev2(seeded: str) -> None:
    assert decide("SEV1", "postmortem_published")[0] == Route("public",
                                                              ("email", "webhook", "chat"))
    assert decide("SEV2", "postmortem_published") == [Route("public", ("email", "webhook", "chat"))]
    assert decide("SEV3", "postmortem_published") == []


def test_cadence_and_approval_per_severity(seeded: str) -> None:
    assert [plan.cadence_minutes(s) for s in ("SEV1", "SEV2", "SEV3", "SEV4")] == [
        30, 60, 120, None]
    assert not any(plan.needs_approval(s) for s in ("SEV1", "SEV2", "SEV3", "SEV4"))


def test_without_a_stored_plan_the_default_applies_and_nothing_is_written(app: Flask) -> None:
    assert decide("SEV1", "incident_opened") == [
        Route("public", ("email", "sms", "webhook", "chat"))]
    assert plan.cadence_minutes("SEV2") == 60
    assert db.session.scalar(select(func.count(PlanSetting.id))) == 0
    assert db.session.scalar(select(func.count(StakeholderGroup.id))) == 0


def test_seeding_twice_keeps_the_first_plan(seeded: str) -> None:
    rules = db.session.scalar(select(func.count(PlanRule.id)))
    assert plan_save.seed_default_plan() is False
    assert db.session.scalar(select(func.count(PlanRule.id))) == rules > 0
    assert db.session.scalar(select(func.count(AuditEntry.id)).filter_by(
        action="plan.seed")) == 1


def test_decisions_follow_a_saved_plan(seeded: str) -> None:
    support = create_group("Customer support", "", None)
    plan_save.save_document({"version": 1, "severities": {
        "SEV3": {"cadence_minutes": 45, "approval": True, "audiences": {
            "Customer support": {"incident_update": ["sms"]},
            "public": {"incident_update": ["webhook", "email"]}}},
    }}, None)
    assert decide("SEV3", "incident_update") == [
        Route("public", ("email", "webhook")), Route(support.public_id, ("sms",))]
    assert plan.cadence_minutes("SEV3") == 45 and plan.needs_approval("SEV3") is True
    # Severities the document leaves out send nothing.
    assert decide("SEV1", "incident_opened") == []


def test_deleting_a_group_removes_it_from_the_plan(seeded: str) -> None:
    executives = db.session.get(StakeholderGroup, db.session.scalar(
        select(StakeholderGroup.id).filter_by(public_id=seeded)))
    delete_group(executives, None)
    assert decide("SEV1", "incident_update") == [Route("public", ("email", "webhook", "chat"))]
    assert db.session.scalar(select(func.count(PlanRule.id)).where(
        PlanRule.audience == seeded)) == 0


def test_unknown_severity_or_event_is_a_programming_error(app: Flask) -> None:
    with pytest.raises(ValueError):
        decide("SEV5", "incident_opened")
    with pytest.raises(ValueError):
        decide("SEV1", "incident_exploded")


def test_updates_map_to_the_plan_events_they_announce(factory: Factory) -> None:
    incident = factory.incident(severity="SEV1")
    opening = incident.public_updates[-1]
    assert plan.plan_severity(incident) == "SEV1"
    assert plan_routes.event_kind_for(incident, opening) == "incident_opened"
    update = post_update(incident, UpdateInput(status="identified", body="Found it."), None)
    assert plan_routes.event_kind_for(incident, update) == "incident_update"
    resolved = resolve_incident(incident, "Fixed.", None)
    assert plan_routes.event_kind_for(incident, resolved) == "incident_resolved"

    window = factory.maintenance()
    assert plan.plan_severity(window) == "maintenance"
    assert plan_routes.event_kind_for(window, window.public_updates[-1]) == "maintenance_scheduled"
    started = start_maintenance(window, "Starting now.", None)
    assert plan_routes.event_kind_for(window, started) == "maintenance_started"


def test_the_demo_seed_stores_the_default_plan(app: Flask) -> None:
    from statuspage.cli.demo import seed_demo

    seed_demo()
    assert plan.plan_exists()
    assert decide("SEV1", "incident_update") == [
        Route("public", ("email", "webhook", "chat")),
        Route(_executives(), ("email", "sms", "chat"))]
