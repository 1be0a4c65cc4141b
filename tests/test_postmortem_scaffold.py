"""The postmortem's first draft: an after-incident analysis prefilled from the incident."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from statuspage.core.extensions import db
from statuspage.core.rendering import markdown_html
from statuspage.incidents import postmortems
from statuspage.incidents.lifecycle import post_update, resolve_incident
from statuspage.incidents.postmortem_scaffold import first_sentence, scaffold, unfilled_sections
from statuspage.incidents.updates import UpdateInput
from statuspage.models import Incident
from statuspage.models.incidents import DRAFT
from tests.factories import Factory

OSLO = ZoneInfo("Europe/Oslo")
START = datetime(2026, 1, 15, 13, 0, tzinfo=UTC)  # 14:00 CET
SECTIONS = ["Summary", "Customer impact", "Timeline", "Root cause and contributing factors",
            "What went well", "What to improve", "Follow-up actions"]


def _incident(factory: Factory) -> Incident:
    api = factory.component("API")
    incident = factory.incident(
        name="Checkout errors", severity="SEV2", started_at=START - timedelta(minutes=20),
        components={api: "major_outage"}, display_at=START,
        body="Payments **fail** for some customers. We are investigating.")
    post_update(incident, UpdateInput(
        status="identified", visibility="internal", display_at=START + timedelta(minutes=10),
        body="Bad deploy of payments-svc 4.2; rolling back. ETA 10 min."), None)
    post_update(incident, UpdateInput(
        status="identified", display_at=START + timedelta(minutes=15),
        body="We found the cause | a faulty release and are rolling it back."), None)
    resolve_incident(incident, "Payments work again.", None,
                     display_at=START + timedelta(minutes=40))
    return incident


def _section(markdown: str, title: str) -> str:
    return markdown.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_the_scaffold_has_the_after_incident_analysis_sections_in_order(
    factory: Factory,
) -> None:
    text = scaffold(_incident(factory), [], OSLO)

    headings = [line[3:] for line in text.splitlines() if line.startswith("## ")]
    assert headings == SECTIONS


def test_the_timeline_lists_public_and_internal_updates_oldest_first_in_the_page_zone(
    factory: Factory,
) -> None:
    incident = _incident(factory)
    draft = post_update(incident, UpdateInput(status="resolved", body="Never sent."), None)
    draft.state = DRAFT  # a draft (or a rejected one) never went out
    db.session.commit()

    timeline = _section(scaffold(incident, [], OSLO), "Timeline")

    rows = [line for line in timeline.splitlines() if line.startswith("| 2026")]
    assert rows == [
        "| 2026-01-15 14:00 CET | Investigating | Payments fail for some customers. |",
        "| 2026-01-15 14:10 CET | Identified (internal) | Bad deploy of payments-svc 4.2; "
        "rolling back. |",
        "| 2026-01-15 14:15 CET | Identified | We found the cause \\| a faulty release and are "
        "rolling it back. |",
        "| 2026-01-15 14:40 CET | Resolved | Payments work again. |",
    ]
    assert "Europe/Oslo" in timeline and "Never sent" not in timeline
    # The table renders as one (the pipe in the update is text, not a new cell).
    html = str(markdown_html(timeline, heading_base=3))
    assert html.count("<tr>") == 5 and "cause | a faulty" in html


def test_customer_impact_names_components_severity_and_times(factory: Factory) -> None:
    impact = _section(scaffold(_incident(factory), [], OSLO), "Customer impact")

    assert "**Severity:** SEV2" in impact
    assert "**Affected components:** API" in impact
    assert "**Impact began:** 2026-01-15 13:40 CET" in impact
    assert "**Resolved:** 2026-01-15 14:40 CET (after 1 h 00 min)" in impact


def test_follow_up_actions_come_from_the_action_items_without_owners(factory: Factory) -> None:
    incident = _incident(factory)
    postmortems.add_action_item(incident, "Canary payments releases", "Payments team",
                                date(2026, 2, 1), None)
    postmortems.add_action_item(incident, "Alert on checkout_error_rate", "", None, None)

    follow_ups = _section(scaffold(incident, postmortems.action_items(incident), OSLO),
                          "Follow-up actions")

    assert follow_ups.strip().splitlines() == [
        "- Canary payments releases (due 2026-02-01)",
        "- Alert on checkout\\_error\\_rate",
    ]
    assert "Payments team" not in follow_ups


def test_without_action_items_or_updates_the_sections_hold_prompts(factory: Factory) -> None:
    incident = _incident(factory)
    for update in incident.updates:
        update.state = DRAFT
    db.session.commit()
    text = scaffold(incident, [], OSLO)

    assert "_No updates were published._" in _section(text, "Timeline")
    assert "action items below" in _section(text, "Follow-up actions")


def test_first_sentence_is_plain_text_cut_at_a_word() -> None:
    assert first_sentence("**Payments** fail. More later.") == "Payments fail."
    assert first_sentence("Line one\nline two") == "Line one line two"
    assert first_sentence("a " * 150, limit=20) == "a a a a a a a a a a…"
    assert first_sentence("") == ""


def test_unfilled_sections_name_the_prompts_still_in_the_text(factory: Factory) -> None:
    text = scaffold(_incident(factory), [], OSLO)
    assert unfilled_sections(text) == [
        "Summary", "Customer impact", "Root cause and contributing factors",
        "What went well", "What to improve"]
    summary = text.split("## Customer impact")[0]
    filled = text.replace(summary, "## Summary\n\nA faulty release broke checkout.\n\n")
    assert "Summary" not in unfilled_sections(filled)
    assert unfilled_sections(None) == []
