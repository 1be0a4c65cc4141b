"""The postmortem email carries the postmortem's summary, not only a link to it."""

from __future__ import annotations

from flask import Flask

from statuspage.core.extensions import db
from statuspage.incidents import postmortems
from statuspage.incidents.lifecycle import resolve_incident
from statuspage.messages import build as messages
from statuspage.messages.postmortem import SUMMARY_LIMIT, summary_markdown
from statuspage.models import FanoutEvent, Incident
from tests.factories import Factory

BASE = "https://status.example.com"
POSTMORTEM = """## Summary

Checkout failed for **40%** of customers for 38 minutes after a faulty release.

| Time | What |
| --- | --- |
| 14:00 | Errors <script>alert(1)</script> began |

## Customer impact

Orders could not be placed.

## Root cause and contributing factors

A config typo.
"""


def _published(factory: Factory, body: str) -> Incident:
    incident = factory.incident(name="Checkout errors", severity="SEV2")
    resolve_incident(incident, "Fixed.", None)
    postmortems.save_draft(incident, body, None)
    return postmortems.publish(incident, False, None)


def _mail(incident: Incident, stakeholder: bool = False) -> messages.EmailContent:
    event = FanoutEvent(kind="postmortem_published", incident_id=incident.id, update_id=None,
                        channels=["email"], component_ids=[])
    db.session.add(event)
    db.session.commit()
    return messages.render_email(event, "en", stakeholder=stakeholder)


def test_the_postmortem_email_carries_the_summary_section_and_the_link(
    app: Flask, factory: Factory
) -> None:
    incident = _published(factory, POSTMORTEM)
    mail = _mail(incident)

    link = f"{BASE}/incidents/{incident.public_id}#postmortem"
    for part in (mail.html, mail.text):
        assert "Summary" in part
        assert "after a faulty release" in part
        assert link in part
        assert "Orders could not be placed" not in part  # the next section stays on the page
        assert "config typo" not in part
    assert "<strong>40%</strong>" in mail.html
    assert "<script" not in mail.html


def test_the_summary_is_readable_as_text(app: Flask, factory: Factory) -> None:
    mail = _mail(_published(factory, "## Summary\n\nFirst paragraph.\n\nSecond & last.\n\n"
                                      "## Timeline\n\nLater."))

    assert "First paragraph." in mail.text and "Second & last." in mail.text
    assert "<" not in mail.text.split("Read the postmortem")[0]
    assert mail.text.index("Summary") < mail.text.index("First paragraph.")
    table = _mail(_published(factory, POSTMORTEM)).text
    assert "Time | What\n14:00 | Errors" in table  # a table reads one row per line


def test_the_email_styles_the_summarys_tables_and_headings_inline_for_mail_clients(
    app: Flask, factory: Factory
) -> None:
    html = _mail(_published(factory, POSTMORTEM.replace("| Time", "### When\n\n| Time"))).html

    assert '<table cellpadding="6"' in html and "border-collapse:collapse" in html
    assert '<th style="border:1px solid' in html and '<td style="border:1px solid' in html
    assert '<h3 style="margin:16px 0 8px;font-size:16px;">When</h3>' in html


def test_the_stakeholder_email_carries_the_summary_too(app: Flask, factory: Factory) -> None:
    mail = _mail(_published(factory, POSTMORTEM), stakeholder=True)
    assert "after a faulty release" in mail.html and "after a faulty release" in mail.text


def test_without_a_summary_section_the_first_paragraphs_are_used() -> None:
    body = "# Checkout errors\n\nWhat happened, briefly.\n\nAnd then.\n\n## Details\n\nDeep."
    assert summary_markdown(body) == "What happened, briefly.\n\nAnd then."
    assert summary_markdown("Only text.") == "Only text."
    assert summary_markdown("") == ""


def test_the_summary_stops_between_blocks_or_at_a_word_within_the_limit() -> None:
    paragraph = "word " * 100  # 500 characters
    body = "## Summary\n\n" + "\n\n".join([paragraph.strip()] * 5)
    summary = summary_markdown(body)
    assert summary.count("\n\n") == 1 and len(summary) <= SUMMARY_LIMIT

    long = summary_markdown("## Summary\n\n" + "word " * 1000)
    assert len(long) <= SUMMARY_LIMIT + 1 and long.endswith("word…")


def test_a_summary_heading_takes_only_its_own_section() -> None:
    body = "## Summary\n\nTop.\n\n### Detail\n\nInside.\n\n## Next\n\nOutside."
    assert summary_markdown(body) == "Top.\n\n### Detail\n\nInside."
