"""The plan as YAML: exported in a fixed shape, imported whole or refused whole."""

from __future__ import annotations

import pytest
import yaml
from flask import Flask
from sqlalchemy import func, select

from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.models import AuditEntry, PlanRule, PlanSetting
from statuspage.plan import rules as plan
from statuspage.plan import save as plan_save
from statuspage.plan import yaml_io
from statuspage.plan.routes import Route, decide
from statuspage.plan.stakeholders import create_group


@pytest.fixture
def seeded(app: Flask) -> None:
    plan_save.seed_default_plan()


def _stored() -> list[tuple[object, ...]]:
    rules = db.session.execute(select(PlanRule.severity, PlanRule.audience, PlanRule.event,
                                      PlanRule.channels).order_by(PlanRule.id)).all()
    settings = db.session.execute(select(
        PlanSetting.severity, PlanSetting.cadence_minutes,
        PlanSetting.public_updates_need_approval).order_by(PlanSetting.id)).all()
    return [tuple(row) for row in [*rules, *settings]]


def test_export_shows_the_default_plan_by_group_name(seeded: None) -> None:
    document = yaml.safe_load(yaml_io.export_yaml())
    sev1 = document["severities"]["SEV1"]
    assert document["version"] == 1
    assert (sev1["cadence_minutes"], sev1["approval"]) == (30, False)
    assert sev1["audiences"]["public"]["incident_opened"] == ["email", "sms", "webhook", "chat"]
    assert sev1["audiences"]["Executives"]["incident_update"] == ["email", "sms", "chat"]
    assert document["severities"]["SEV4"] == {
        "definition": document["severities"]["SEV4"]["definition"], "first_update_minutes": None,
        "cadence_minutes": None, "approval": False, "audiences": {}}
    assert list(document["severities"]) == ["SEV1", "SEV2", "SEV3", "SEV4", "maintenance"]


def test_export_import_export_round_trips_identically(seeded: None) -> None:
    create_group("Support", "", None)
    edited = yaml_io.export_yaml().replace("approval: false", "approval: true", 1)
    edited = edited.replace(
        "audiences: {}", "audiences:\n      Support:\n        incident_opened: [sms]", 1)
    yaml_io.import_yaml(edited, None)
    first = yaml_io.export_yaml()
    assert first == edited
    yaml_io.import_yaml(first, None)
    assert yaml_io.export_yaml() == first
    assert plan.needs_approval("SEV1") is True
    assert decide("SEV4", "incident_opened")[0].channels == ("sms",)


def test_an_import_replaces_the_plan_and_is_audited(seeded: None) -> None:
    yaml_io.import_yaml("""
version: 1
severities:
  SEV2:
    cadence_minutes: 15
    audiences:
      public: {incident_update: [webhook]}
""", None)
    assert decide("SEV2", "incident_update") == [Route("public", ("webhook",))]
    assert decide("SEV1", "incident_opened") == []
    assert plan.cadence_minutes("SEV2") == 15
    assert db.session.scalar(select(func.count(AuditEntry.id)).filter_by(
        action="plan.import")) == 1


def _sev1(audiences: str, extra: str = "") -> str:
    return f"version: 1\nseverities:\n  SEV1:\n{extra}    audiences:\n{audiences}"


@pytest.mark.parametrize(("text", "message"), [
    (_sev1("      public: {incident_opened: [email, fax]}\n"),
     "severities.SEV1.audiences.public.incident_opened: unknown channel 'fax'"),
    (_sev1("      Execs: {incident_opened: [email]}\n"),
     "severities.SEV1.audiences.Execs: unknown audience (known: public, Executives)"),
    (_sev1("      public: {incident_exploded: [email]}\n"),
     "severities.SEV1.audiences.public.incident_exploded: unknown event"),
    (_sev1("      public: {maintenance_started: [email]}\n"),
     "severities.SEV1.audiences.public.maintenance_started: event does not apply"),
    (_sev1("      Executives: {incident_opened: [webhook]}\n"),
     "channel 'webhook' does not reach stakeholder group members"),
    ("version: 1\nseverities:\n  SEV5: {audiences: {}}\n",
     "severities.SEV5: unknown severity"),
    (_sev1("      public: {}\n", "    cadence_minutes: soon\n"),
     "severities.SEV1.cadence_minutes: must be a whole number"),
    ("version: 2\nseverities: {}\n", "version: must be 1"),
    ("severities: [SEV1\n", "not valid YAML at line"),
    ("- just\n- a list\n", "(document): expected a mapping"),
])
def test_a_bad_plan_is_refused_naming_the_path_and_nothing_changes(
    seeded: None, text: str, message: str
) -> None:
    before, exported = _stored(), yaml_io.export_yaml()
    with pytest.raises(DomainError) as refused:
        yaml_io.import_yaml(text, None)
    assert message in refused.value.message
    assert _stored() == before
    assert yaml_io.export_yaml() == exported


def test_every_problem_is_listed_at_once(seeded: None) -> None:
    with pytest.raises(DomainError) as refused:
        yaml_io.import_yaml(_sev1("      Execs: {}\n      public: {incident_opened: [pigeon]}\n"),
                         None)
    assert refused.value.errors == [  # type: ignore[attr-defined]
        "severities.SEV1.audiences.Execs: unknown audience (known: public, Executives)",
        "severities.SEV1.audiences.public.incident_opened: unknown channel 'pigeon' "
        "(use email, sms, webhook, chat)",
    ]
    assert "2 problems" in refused.value.message
