"""What the plan does for each severity, as the composer says it before declaring."""

from __future__ import annotations

from flask import Flask

from statuspage.models.plan import PUBLIC
from statuspage.plan import save as plan_save
from statuspage.plan import yaml_io
from statuspage.plan.document import VERSION
from statuspage.plan.reach import ReachLine
from statuspage.plan.stakeholder_members import MemberInput
from statuspage.plan.summary import summaries, summarize
from tests.delivery_support import add_subscribers
from tests.factories import Factory
from tests.stakeholder_support import group_with


def _counts(lines: list[ReachLine]) -> dict[tuple[str, str], int]:
    return {(line.label, line.channel): line.recipients for line in lines}


def test_each_severity_says_approval_targets_definition_and_who_hears_the_opening(
    app: Flask,
) -> None:
    add_subscribers(3)
    add_subscribers(2, "sms")
    plan_save.seed_default_plan()  # creates the Executives group the default plan addresses
    executives = group_with("Board", MemberInput("Ada", email="ada@example.com",
                                                 phone="+4791234567"))
    yaml_io.import_yaml(yaml_io.export_yaml().replace(
        "approval: false", "approval: true", 2).replace("Executives", executives.name), None)

    found = {summary.severity: summary for summary in summaries()}

    assert list(found) == ["SEV1", "SEV2", "SEV3", "SEV4"]
    sev1, sev2, sev3, sev4 = found.values()
    assert (sev1.approval, sev2.approval, sev3.approval) == (True, True, False)
    assert (sev1.first_update_minutes, sev1.cadence_minutes) == (15, 30)
    assert (sev3.first_update_minutes, sev3.cadence_minutes) == (60, 120)
    assert (sev4.first_update_minutes, sev4.cadence_minutes) == (None, None)
    assert (sev1.definition or "").startswith("Checkout, login or the whole service down")
    assert _counts(sev1.opening) == {
        ("Public subscribers", "email"): 3, ("Public subscribers", "sms"): 2,
        ("Public subscribers", "webhook"): 0, ("Public subscribers", "chat"): 0,
        ("Board", "email"): 1, ("Board", "sms"): 1, ("Board", "chat"): 0}
    assert sev1.recipients == 7
    # SEV2 tells the public by email (and webhook and chat) only; SEV4 messages nobody.
    assert _counts(sev2.opening) == {("Public subscribers", "email"): 3,
                                     ("Public subscribers", "webhook"): 0,
                                     ("Public subscribers", "chat"): 0}
    assert sev4.opening == [] and sev4.recipients == 0


def test_the_counts_follow_the_components_chosen(app: Flask, factory: Factory) -> None:
    api = factory.component("API")
    web = factory.component("Website")
    add_subscribers(2)  # everything
    add_subscribers(4, start=10, components=[web])  # the website only

    assert _counts(summarize("SEV3", [api.id]).opening)[("Public subscribers", "email")] == 2
    assert _counts(summarize("SEV3", [web.id]).opening)[("Public subscribers", "email")] == 6


def test_a_plan_without_definitions_or_routes_summarizes_as_empty(app: Flask) -> None:
    plan_save.save_document({"version": VERSION, "severities": {
        "SEV2": {"cadence_minutes": 45, "audiences": {PUBLIC: {"incident_update": ["email"]}}},
    }}, None)
    add_subscribers(3)

    summary = summarize("SEV2")

    assert (summary.definition, summary.first_update_minutes, summary.cadence_minutes,
            summary.approval) == (None, None, 45, False)
    assert summary.opening == []  # the public hears updates, but not the opening
