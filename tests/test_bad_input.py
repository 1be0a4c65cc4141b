"""Issue 10, item 1: text with control characters never breaks a surface (both databases).

The input boundary refuses C0 controls (tab and newlines aside in bodies) in every path, query
string, form field and JSON string; feeds, calendars and badges strip them from rows stored
before; e-mail headers are always one line; a failed transaction still gets a styled page.
"""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient
from lxml import etree
from sqlalchemy import select, update

from statuspage.core.extensions import db
from statuspage.models import Incident, IncidentUpdate, User
from statuspage.notify.base import EmailContent
from tests.api_v1_support import call, new_token
from tests.console.conftest_content import as_role, sign_in
from tests.delivery_support import add_subscribers, open_plan  # noqa: F401 (a fixture)
from tests.factories import Factory
from tests.subscription_support import outbox

# Not NUL: PostgreSQL cannot store it at all, so a stored row can only hold the others.
STORED_CONTROLS = "Bell\x07 vertical\x0b tab escape\x1b end"


def _store_bad_text(incident: Incident) -> None:
    """Rows written before input was checked (or by hand): controls in title and body."""
    db.session.execute(update(Incident).where(Incident.id == incident.id)
                       .values(name=STORED_CONTROLS))
    db.session.execute(update(IncidentUpdate).where(IncidentUpdate.incident_id == incident.id)
                       .values(body=STORED_CONTROLS))
    db.session.commit()


@pytest.mark.parametrize("path", ["/history.rss", "/history.atom"])
def test_a_stored_control_character_does_not_take_a_feed_down(
        client: FlaskClient, factory: Factory, path: str) -> None:
    _store_bad_text(factory.incident())

    response = client.get(path)

    assert response.status_code == 200
    feed = etree.fromstring(response.data)  # well-formed XML
    assert b"Bell vertical tab escape end" in etree.tostring(feed)


def test_calendar_and_badge_strip_stored_controls(client: FlaskClient, factory: Factory) -> None:
    maintenance = factory.maintenance()
    _store_bad_text(maintenance)

    ics = client.get("/maintenance.ics")
    badge = client.get("/badge.svg")

    assert ics.status_code == badge.status_code == 200
    assert b"\x07" not in ics.data and b"Bell vertical" in ics.data
    etree.fromstring(badge.data)


@pytest.mark.parametrize("path", ["/incidents/%00", "/incidents/a%07b", "/subscribe/sms/%00",
                                  "/subscribe/sms/%00/resend", "/manage/%00",
                                  "/unsubscribe/%00", "/subscribe/confirm/%00",
                                  "/internal/%00", "/console/incidents/%00",
                                  "/api/v1/pages/%00/incidents"])
def test_a_control_character_in_a_path_is_not_found(client: FlaskClient, factory: Factory,
                                                     path: str) -> None:
    factory.incident()

    response = client.get(path)

    assert response.status_code == 404


@pytest.mark.parametrize("query", ["?page=%00", "?q=%00", "?x%00=1", "?next=%0d%0aLocation:x"])
def test_a_control_character_in_a_query_string_is_a_bad_request(
        client: FlaskClient, query: str) -> None:
    response = client.get("/history" + query)

    assert response.status_code == 400
    assert "control character" in response.get_data(as_text=True)


def test_login_with_a_nul_in_the_email_is_refused(client: FlaskClient, factory: Factory) -> None:
    factory.user(email="ada@example.com")

    response = client.post("/console/login", data={"email": "ada@example.com\x00",
                                                   "password": "x"})

    assert response.status_code == 400
    assert "“email” contains a control character (U+0000)" in response.get_data(as_text=True)


def test_public_sign_up_with_a_nul_is_refused(client: FlaskClient, factory: Factory) -> None:
    factory.component()

    response = client.post("/subscribe", data={"channel": "email",
                                               "address": "a\x00@example.com"})

    assert response.status_code == 400


def test_a_console_form_field_with_a_control_character_is_refused_by_name(
        client: FlaskClient, factory: Factory) -> None:
    as_role(client, factory, "admin")

    response = client.post("/console/incidents/new", data={
        "name": "Broken\x1b[31m", "severity": "SEV2", "status": "investigating",
        "body": "Line one\r\nline two\twith a tab", "action": "publish"})

    assert response.status_code == 400
    assert "“name” contains a control character (U+001B)" in response.get_data(as_text=True)
    assert db.session.scalars(select(Incident)).all() == []


def test_tabs_and_newlines_in_a_body_are_accepted(client: FlaskClient, factory: Factory) -> None:
    as_role(client, factory, "admin")

    response = client.post("/console/incidents/new", data={
        "name": "Broken", "severity": "SEV2", "status": "investigating",
        "body": "Line one\r\nline two\twith a tab", "action": "publish"})

    assert response.status_code == 303
    assert db.session.scalars(select(Incident.name)).all() == ["Broken"]


def test_a_json_string_with_a_control_character_is_a_422_naming_the_field(
        client: FlaskClient, factory: Factory) -> None:
    factory.component()
    secret = new_token()

    response = call(client, "POST", "incidents", secret,
                    json={"incident": {"name": "Broken\x00", "status": "investigating"}})

    assert response.status_code == 422
    assert response.json is not None and response.json["field"] == "incident.name"
    assert db.session.scalars(select(Incident)).all() == []


def test_an_email_subject_is_always_one_line() -> None:
    content = EmailContent(subject="[Acme] Outage\r\nBcc: everyone@example.com", html="",
                           text="", message_id="<a@b>\r\nX: y", references=["<c@d>\n"])

    assert content.subject == "[Acme] Outage Bcc: everyone@example.com"
    assert content.message_id == "<a@b> X: y"
    assert content.references == ["<c@d>"]


def test_a_failed_flush_still_gets_the_styled_error_page(
        app: Flask, factory: Factory, caplog: pytest.LogCaptureFixture) -> None:
    """After a failed flush the session needs a rollback; the error page must not need one."""
    first = factory.user(email="dup@example.com")
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/_test/failed-flush")
    def failed_flush() -> str:
        db.session.add(User(email=first.email, role="viewer", password_hash="x"))
        db.session.flush()
        return "unreachable"

    client = app.test_client()
    sign_in(client, first)  # the error page then loads the user: a query after the failure
    with caplog.at_level(logging.ERROR):
        response = client.get("/_test/failed-flush")

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.get_data(as_text=True)
    assert not any("PendingRollbackError" in r.getMessage() + str(r.exc_info)
                   for r in caplog.records)


@pytest.mark.usefixtures("open_plan", "errors")
def test_a_title_with_line_breaks_never_splits_the_email_subject(factory: Factory) -> None:
    """Newlines are allowed in typed text, so the title reaches the subject: as one line."""
    add_subscribers(1, "email")

    factory.incident(name="Outage\r\nBcc: everyone@example.com\nX-Evil: 1")

    sent = outbox("email")
    assert sent, "the incident was not e-mailed"
    assert all("\r" not in m.subject and "\n" not in m.subject for m in sent)
    assert "Outage Bcc: everyone@example.com X-Evil: 1" in sent[0].subject


def test_a_refused_form_gives_back_what_was_typed(client: FlaskClient, factory: Factory) -> None:
    """Nothing typed is lost: the refusal page shows each filled-in field's text without the
    refused character, never a password or the CSRF token."""
    as_role(client, factory, "admin")

    response = client.post("/console/incidents/new", data={
        "name": "Broken\x1b[31m", "severity": "SEV2", "status": "investigating",
        "body": "A long update\r\nwe wrote carefully", "action": "publish",
        "password": "do-not-echo-me"})

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "What you typed" in page
    assert ">Broken[31m</textarea>" in page
    assert "A long update\r\nwe wrote carefully</textarea>" in page
    assert "do-not-echo-me" not in page
    assert "\x1b" not in page
    assert ">SEV2</textarea>" not in page  # a select's value is not typed text
