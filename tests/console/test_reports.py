"""The console's monthly report: inline-SVG charts, CSV downloads, uptime targets."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskClient

from statuspage.core.extensions import db
from statuspage.models import Component, ComponentDay
from statuspage.models.plan import PLAN_SEVERITIES
from statuspage.reports.month import current_month
from tests.console.conftest import LoginHelper
from tests.factories import Factory
from tests.metrics_support import T0, approved_update, scripted_incident, set_targets


def _march(factory: Factory) -> Component:
    api = factory.component("API", uptime_target=99.9, start_date=date(2026, 1, 1))
    scripted_incident(T0, "SEV1", [5], resolved_minute=60, components=[api],
                      name="=HYPERLINK(\"x\") outage")
    scripted_incident(T0 + timedelta(days=1), "SEV2", [10], resolved_minute=120,
                      components=[api], name="Slow API")
    db.session.add(ComponentDay(component_id=api.id, day=date(2026, 3, 10),
                                worst_status="major_outage", major_seconds=3600))
    db.session.commit()
    return api


def test_the_report_draws_labelled_svg_charts_without_scripts(
    client: FlaskClient, factory: Factory, login: LoginHelper
) -> None:
    _march(factory)
    login(client, role="viewer")

    response = client.get("/console/reports?month=2026-03")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count("<svg") == 3
    assert "<title id=\"by-severity-title\">Incidents by severity, March 2026</title>" in html
    assert "<desc id=\"by-severity-desc\">SEV1: 1; SEV2: 1; SEV3: 0; SEV4: 0</desc>" in html
    assert re.search(r"<rect [^>]*width=\"300\"", html)  # the largest bar spans the scale
    assert ">API</text>" in html and ">2</text>" in html
    assert "<script" not in html.lower()
    assert "Missed target: API" in html


def test_an_unknown_month_is_refused(client: FlaskClient, login: LoginHelper) -> None:
    login(client, role="viewer")
    assert client.get("/console/reports?month=2026-13").status_code == 400
    assert client.get("/console/reports/march/incidents.csv").status_code == 404


def test_the_month_exports_as_csv(
    client: FlaskClient, factory: Factory, login: LoginHelper
) -> None:
    _march(factory)
    login(client, role="viewer")

    response = client.get("/console/reports/2026-03/incidents.csv")

    assert response.mimetype == "text/csv"
    assert "incidents-2026-03.csv" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["severity"], r["minutes_to_first_update"], r["minutes_to_resolve"],
             r["cadence_kept_percent"], r["components"]) for r in rows] == [
        ("SEV1", "5.0", "60.0", "58.3", "API"),
        ("SEV2", "10.0", "120.0", "58.3", "API"),
    ]
    # A name a spreadsheet would run as a formula is kept as text.
    assert rows[0]["name"].startswith("'=HYPERLINK")
    uptime = list(csv.DictReader(io.StringIO(
        client.get("/console/reports/2026-03/uptime.csv").get_data(as_text=True))))
    assert uptime == [{"component": "API", "uptime_percent": "99.87", "uptime_target": "99.9",
                       "missed_target": "yes"}]


def test_admins_set_uptime_targets(
    client: FlaskClient, factory: Factory, login: LoginHelper
) -> None:
    api, web = factory.component("API"), factory.component("Web", uptime_target=99.0)
    login(client, role="admin")

    response = client.post("/console/reports/targets", data={
        f"target-{api.id}": "99.95", f"target-{web.id}": "", "month": "2026-03"})

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/console/reports?month=2026-03")
    db.session.expire_all()
    assert (db.session.get(Component, api.id).uptime_target,
            db.session.get(Component, web.id).uptime_target) == (99.95, None)
    client.post("/console/reports/targets", data={f"target-{api.id}": "150"})
    db.session.expire_all()
    assert db.session.get(Component, api.id).uptime_target == 99.95


def test_viewers_and_communicators_cannot_change_targets(
    app: Flask, factory: Factory, login: LoginHelper
) -> None:
    api = factory.component("API")
    for role in ("viewer", "communicator"):
        client = app.test_client()
        login(client, role=role)
        assert client.post("/console/reports/targets",
                           data={f"target-{api.id}": "99"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Component, api.id).uptime_target is None


def test_the_report_shows_each_severity_against_its_targets(
    client: FlaskClient, factory: Factory, login: LoginHelper
) -> None:
    set_targets("SEV1", first_update_minutes=15)
    set_targets("SEV3", first_update_minutes=None)
    scripted_incident(T0, "SEV1", [10], resolved_minute=60, declared_minute=4)
    login(client, role="viewer")

    html = client.get("/console/reports?month=2026-03").get_data(as_text=True)

    sev1 = _row(html, "severity-SEV1")
    assert "15 min" in sev1 and "1 of 1 (100%)" in sev1 and "every 30 min" in sev1
    assert "6.0 min" in sev1  # first public update 6 minutes after the declaration
    # SEV3 has a cadence but no first-update target; SEV4 (default plan) has neither.
    assert "No target set" in _row(html, "severity-SEV3")
    assert "No targets set" in _row(html, "severity-SEV4")
    summary = html[html.index('id="summary"'):html.index("</dl>", html.index('id="summary"'))]
    assert "first public update within target: 1 of 1 (100%)" in summary
    assert "median 4.0 min" in summary  # detection


def test_without_any_target_the_report_says_no_targets_set(
    client: FlaskClient, factory: Factory, login: LoginHelper
) -> None:
    for severity in PLAN_SEVERITIES:
        set_targets(severity, first_update_minutes=None, cadence_minutes=None)
    scripted_incident(T0, "SEV1", [10], resolved_minute=60)
    login(client, role="viewer")

    html = client.get("/console/reports?month=2026-03").get_data(as_text=True)

    targets = html[html.index('id="targets-summary"'):]
    assert targets[:targets.index("</dd>")].count("No targets set") == 1
    assert all("No targets set" in _row(html, f"severity-SEV{n}") for n in range(1, 5))


def test_no_link_leads_to_a_month_that_has_not_begun(
    client: FlaskClient, login: LoginHelper
) -> None:
    login(client, role="viewer")
    current = current_month()

    this_month = client.get("/console/reports").get_data(as_text=True)
    last_month = client.get(f"/console/reports?month={current.previous().key}")

    assert f"month={current.next().key}" not in this_month
    assert f'max="{current.key}"' in this_month
    assert f"month={current.key}" in last_month.get_data(as_text=True)


def test_a_future_month_by_url_is_not_found_and_says_why(
    client: FlaskClient, login: LoginHelper
) -> None:
    login(client, role="viewer")
    future = current_month().next()

    response = client.get(f"/console/reports?month={future.key}")

    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert f"{future.label} has not begun: there is nothing to report yet." in html
    assert f"month={current_month().key}" in html
    assert client.get(f"/console/reports/{future.key}/incidents.csv").status_code == 404
    assert client.get(f"/console/reports/{future.key}/uptime.csv").status_code == 404


def test_the_csv_carries_detection_targets_and_time_in_approval(
    client: FlaskClient, factory: Factory, login: LoginHelper
) -> None:
    set_targets("SEV1", first_update_minutes=15)
    incident = scripted_incident(T0, "SEV1", [], declared_minute=5)
    approved_update(incident, T0 + timedelta(minutes=6), T0 + timedelta(minutes=12))
    approved_update(incident, T0 + timedelta(minutes=30), T0 + timedelta(minutes=40),
                    status="resolved")
    login(client, role="viewer")

    text = client.get("/console/reports/2026-03/incidents.csv").get_data(as_text=True)

    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert {key: row[key] for key in (
        "minutes_to_detect", "minutes_to_first_update", "minutes_to_first_update_from_start",
        "minutes_to_resolve", "minutes_to_resolve_from_declaration",
        "first_update_target_minutes", "first_update_target_met", "approval_waits",
        "minutes_in_approval", "longest_approval_minutes", "declared_at")} == {
        "minutes_to_detect": "5.0", "minutes_to_first_update": "7.0",
        "minutes_to_first_update_from_start": "12.0", "minutes_to_resolve": "40.0",
        "minutes_to_resolve_from_declaration": "35.0", "first_update_target_minutes": "15",
        "first_update_target_met": "yes", "approval_waits": "2", "minutes_in_approval": "16.0",
        "longest_approval_minutes": "10.0", "declared_at": "2026-03-10T10:05:00+00:00"}


def _row(html: str, row_id: str) -> str:
    start = html.index(f'id="{row_id}"')
    return html[start:html.index("</tr>", start)]
