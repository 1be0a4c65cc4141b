"""Message templates: placeholders, validation, rendering and the default set."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.incidents import templates as mt
from statuspage.incidents.lifecycle import post_update
from statuspage.incidents.updates import UpdateInput
from statuspage.models import TEMPLATE_PHASES, AuditEntry, MessageTemplate
from tests.factories import Factory

CONTEXT = {"page_name": "Acme", "incident_title": "Login failures",
           "affected_components": "API, Dashboard", "next_update_time": "by 14:30 UTC",
           "status": "Identified"}


def _data(**fields: str) -> mt.TemplateInput:
    values = {"phase": "investigating", "name": "Short", "title": "",
              "body": "Looking into {incident_title}.", "sms_body": ""}
    return mt.TemplateInput(**{**values, **fields})


def _actions() -> list[str]:
    return [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_every_placeholder_is_rendered(app: object) -> None:
    template = mt.create_template(_data(
        body="{page_name}: {incident_title} ({status}) hits {affected_components}. "
             "Next update {next_update_time}. Literal {{braces}}.",
        sms_body="{page_name}: {incident_title}"), None)
    rendered = mt.render(template, CONTEXT)
    assert rendered.body == ("Acme: Login failures (Identified) hits API, Dashboard. "
                             "Next update by 14:30 UTC. Literal {braces}.")
    assert rendered.sms_body == "Acme: Login failures"


def test_unknown_placeholders_are_refused_naming_them(app: object) -> None:
    with pytest.raises(DomainError) as refused:
        mt.create_template(_data(body="Hi {customer} on {incident_title}, {eta}, {customer}"),
                           None)
    assert refused.value.field == "body"
    assert "{customer}, {eta}" in refused.value.message
    assert "{incident_title}" in refused.value.message  # listed among the known ones
    assert db.session.scalar(select(MessageTemplate)) is None


@pytest.mark.parametrize("body", ["{page_name.__class__}", "{status[0]}", "{status!r}",
                                  "{status:>30}", "{}"])
def test_anything_beyond_a_bare_placeholder_is_refused(app: object, body: str) -> None:
    with pytest.raises(DomainError, match="Unknown placeholder"):
        mt.create_template(_data(sms_body=body), None)


def test_an_unmatched_brace_is_refused_with_how_to_write_one(app: object) -> None:
    with pytest.raises(DomainError, match=r"Write \{\{ or \}\}") as refused:
        mt.create_template(_data(body="Oops {incident_title"), None)
    assert refused.value.field == "body"


def test_values_are_substituted_as_plain_text_never_evaluated(app: object) -> None:
    template = mt.create_template(_data(body="{incident_title}"), None)
    rendered = mt.render(template, {"incident_title": "{page_name}\n# Heading {0.__class__}"})
    # A value is not re-parsed, and its newline cannot start a markdown heading.
    assert rendered.body == "{page_name} # Heading {0.__class__}"


def test_a_row_stored_around_the_use_cases_renders_unknown_braces_as_typed(app: object) -> None:
    db.session.add(MessageTemplate(phase="monitoring", name="Raw", body="{nope} {status}"))
    db.session.commit()
    template = db.session.scalar(select(MessageTemplate).filter_by(name="Raw"))
    assert mt.render(template, CONTEXT).body == "{nope} {status}"


def test_next_update_time_comes_from_the_cadence_in_the_page_zone() -> None:
    now = datetime(2026, 1, 15, 13, 50, tzinfo=UTC)
    assert mt.next_update_time(60, "Europe/Berlin", now) == "by 15:50 CET"
    assert mt.next_update_time(None, "Etc/UTC", now) == "soon"


def test_create_update_delete_are_validated_and_audited(app: object) -> None:
    template = mt.create_template(_data(name="First"), None)
    mt.create_template(_data(name="Second"), None)
    with pytest.raises(DomainError, match="already a template called Second"):
        mt.update_template(template, _data(name="second"), None)
    with pytest.raises(DomainError) as refused:
        mt.update_template(template, _data(phase="bogus"), None)
    assert refused.value.field == "phase"
    mt.update_template(template, _data(name="First", phase="monitoring", body="Watching."), None)
    db.session.expire_all()
    assert (template.phase, template.body) == ("monitoring", "Watching.")
    mt.delete_template(template, None)
    assert [t.name for t in mt.list_templates()] == ["Second"]
    assert _actions() == ["template.create", "template.create", "template.update",
                          "template.delete"]


def test_default_templates_cover_every_phase_once_and_reseeding_adds_nothing(
    app: object,
) -> None:
    assert mt.seed_default_templates() == len(TEMPLATE_PHASES)
    templates = mt.list_templates()
    assert [t.phase for t in templates] == list(TEMPLATE_PHASES)
    for template in templates:  # every default passes the same validation as a typed one
        for text in (template.title, template.body, template.sms_body):
            mt.check_placeholders(text)
        assert template.sms_body and len(template.sms_body) <= 160
    assert mt.seed_default_templates() == 0
    assert len(mt.list_templates()) == len(TEMPLATE_PHASES)


def test_the_demo_seed_includes_the_templates(app: object) -> None:
    from statuspage.cli.demo import seed_demo

    seed_demo()
    assert {t.phase for t in mt.list_templates()} == set(TEMPLATE_PHASES)


def test_markup_in_values_stays_inert_on_the_public_page(
    client: FlaskClient, factory: Factory
) -> None:
    title = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    incident = factory.incident(name="Outage")
    template = mt.create_template(_data(body="About {incident_title}: [more]({status})"), None)
    rendered = mt.render(template, {"incident_title": title, "status": "javascript:alert(3)"})
    post_update(incident, UpdateInput(status="identified", body=rendered.body), None)

    html = client.get(f"/incidents/{incident.public_id}").get_data(as_text=True)
    assert "About" in html
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert 'href="javascript:' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
