"""The console's monthly report: inline-SVG charts, CSV downloads, uptime targets."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskClient

from statuspage.extensions import db
from statuspage.models import Component, ComponentDay
from tests.console.conftest import LoginHelper
from tests.factories import Factory
from tests.metrics_support import T0, scripted_incident


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
