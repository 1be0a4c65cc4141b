"""Severity definitions and response targets in the plan: YAML keys, defaults, round trip."""

from __future__ import annotations

import pytest
import yaml
from flask import Flask

from statuspage.core.errors import DomainError
from statuspage.plan import rules as plan
from statuspage.plan import save as plan_save
from statuspage.plan import yaml_io
from statuspage.plan.document import MAX_CADENCE_MINUTES, MAX_DEFINITION, PlanError


@pytest.fixture
def seeded(app: Flask) -> None:
    plan_save.seed_default_plan()


def _sev(body: str, severity: str = "SEV1") -> str:
    return f"version: 1\nseverities:\n  {severity}:\n{body}"


def test_the_default_plan_defines_each_severity_with_response_targets(seeded: None) -> None:
    loaded = plan.load_plan()
    targets = {severity: (loaded[severity].first_update_minutes, loaded[severity].cadence_minutes)
               for severity in ("SEV1", "SEV2", "SEV3", "SEV4")}
    assert targets == {"SEV1": (15, 30), "SEV2": (30, 60), "SEV3": (60, 120),
                       "SEV4": (None, None)}
    assert "Checkout, login or the whole service down" in (loaded["SEV1"].definition or "")
    assert all(loaded[s].definition for s in ("SEV1", "SEV2", "SEV3", "SEV4"))
    assert loaded["maintenance"].definition is None


def test_the_yaml_shows_definitions_and_targets_for_incident_severities_only(
    seeded: None,
) -> None:
    text = yaml_io.export_yaml()
    document = yaml.safe_load(text)
    sev1 = document["severities"]["SEV1"]
    assert list(sev1)[:3] == ["definition", "first_update_minutes", "cadence_minutes"]
    assert sev1["first_update_minutes"] == 15
    assert sev1["definition"].startswith("Checkout, login or the whole service down")
    assert "definition" not in document["severities"]["maintenance"]
    assert "first_update_minutes" not in document["severities"]["maintenance"]
    assert "# definition: the business impact" in text


def test_an_import_stores_definitions_and_targets(seeded: None) -> None:
    yaml_io.import_yaml(_sev(
        "    definition: '  Payments down: every checkout fails.  '\n"
        "    first_update_minutes: 10\n    cadence_minutes: 20\n"), None)
    row = plan.load_plan()["SEV1"]
    assert (row.definition, row.first_update_minutes, row.cadence_minutes) == (
        "Payments down: every checkout fails.", 10, 20)
    # Left out: no definition, no target.
    assert plan.load_plan()["SEV2"].definition is None
    assert plan.load_plan()["SEV2"].first_update_minutes is None


def test_definitions_and_targets_round_trip_identically(seeded: None) -> None:
    edited = yaml_io.export_yaml().replace("first_update_minutes: 30", "first_update_minutes: 45")
    long_definition = "Checkout: " + "all customers, every region; " * 15
    document = yaml.safe_load(edited)
    document["severities"]["SEV4"]["definition"] = long_definition.strip()
    yaml_io.import_yaml(yaml.safe_dump(document, sort_keys=False), None)
    first = yaml_io.export_yaml()
    yaml_io.import_yaml(first, None)
    assert yaml_io.export_yaml() == first
    assert plan.load_plan()["SEV2"].first_update_minutes == 45
    assert plan.load_plan()["SEV4"].definition == long_definition.strip()


@pytest.mark.parametrize(("text", "message"), [
    (_sev(f"    definition: {'x' * (MAX_DEFINITION + 1)}\n"),
     f"severities.SEV1.definition: is {MAX_DEFINITION + 1} characters; keep it to "
     f"{MAX_DEFINITION}"),
    (_sev("    definition: 42\n"), "severities.SEV1.definition: must be text"),
    (_sev("    definition: [a, b]\n", "SEV3"), "severities.SEV3.definition: must be text"),
    (_sev("    first_update_minutes: 0\n"),
     "severities.SEV1.first_update_minutes: must be a whole number of minutes from 1 to "
     f"{MAX_CADENCE_MINUTES}, or null for no target"),
    (_sev("    first_update_minutes: soon\n", "SEV2"),
     "severities.SEV2.first_update_minutes: must be a whole number"),
    (_sev("    first_update_minutes: yes\n"),
     "severities.SEV1.first_update_minutes: must be a whole number"),
    (_sev(f"    first_update_minutes: {MAX_CADENCE_MINUTES + 1}\n"),
     "severities.SEV1.first_update_minutes: must be a whole number"),
    (_sev("    first_update_minutes: 2.5\n"),
     "severities.SEV1.first_update_minutes: must be a whole number"),
    (_sev("    definition: Database upgrades\n", "maintenance"),
     "severities.maintenance.definition: maintenance has no severity definition or "
     "first-update target; remove the key"),
    (_sev("    first_update_minutes: 15\n", "maintenance"),
     "severities.maintenance.first_update_minutes: maintenance has no severity definition"),
    (_sev("    defintion: typo\n"),
     "severities.SEV1.defintion: unknown key (use definition, first_update_minutes, "
     "cadence_minutes, approval, audiences)"),
])
def test_bad_definitions_and_targets_are_refused_with_their_path(
    seeded: None, text: str, message: str
) -> None:
    before = yaml_io.export_yaml()
    with pytest.raises(DomainError) as refused:
        yaml_io.import_yaml(text, None)
    assert message in refused.value.message
    assert yaml_io.export_yaml() == before


def test_boundaries_and_nulls_are_accepted(seeded: None) -> None:
    yaml_io.import_yaml(_sev(f"    definition: '{'x' * MAX_DEFINITION}'\n"
                          f"    first_update_minutes: {MAX_CADENCE_MINUTES}\n")
                     + "  SEV2: {definition: null, first_update_minutes: 1}\n"
                     + "  maintenance: {definition: null, first_update_minutes: null}\n", None)
    loaded = plan.load_plan()
    assert loaded["SEV1"].first_update_minutes == MAX_CADENCE_MINUTES
    assert len(loaded["SEV1"].definition or "") == MAX_DEFINITION
    assert (loaded["SEV2"].definition, loaded["SEV2"].first_update_minutes) == (None, 1)


def test_every_problem_is_listed_at_once(seeded: None) -> None:
    with pytest.raises(PlanError) as refused:
        yaml_io.import_yaml(_sev("    definition: 1\n    first_update_minutes: -5\n"), None)
    assert refused.value.errors == [
        "severities.SEV1.definition: must be text (quote it if it looks like a number or a "
        "date)",
        "severities.SEV1.first_update_minutes: must be a whole number of minutes from 1 to "
        f"{MAX_CADENCE_MINUTES}, or null for no target",
    ]


def test_a_stored_plan_without_definitions_keeps_them_empty(app: Flask) -> None:
    # An install whose plan was saved before severities had definitions and targets.
    yaml_io.import_yaml("version: 1\nseverities:\n  SEV1: {cadence_minutes: 30}\n", None)
    assert plan_save.seed_default_plan() is False
    row = plan.load_plan()["SEV1"]
    assert (row.definition, row.first_update_minutes, row.cadence_minutes) == (None, None, 30)
    sev1 = yaml.safe_load(yaml_io.export_yaml())["severities"]["SEV1"]
    assert (sev1["definition"], sev1["first_update_minutes"]) == (None, None)
