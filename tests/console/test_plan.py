"""The plan matrix editor and YAML download/upload in the console."""

from __future__ import annotations

import io

import yaml
from flask import Flask
from flask.testing import FlaskClient

from statuspage.models import AuditEntry
from statuspage.plan import rules as plan
from statuspage.plan import save as plan_save
from statuspage.plan import yaml_io
from statuspage.plan.routes import Route, decide
from statuspage.plan.stakeholders import create_group
from tests.conftest import make_app
from tests.console.conftest import LoginHelper, csrf_token


def _matrix(**fields: str | list[str]) -> dict[str, str | list[str]]:
    return {"plan_matrix": "1", **fields}


def test_an_admin_opening_the_editor_stores_the_default_plan(
    client: FlaskClient, login: LoginHelper
) -> None:
    login(client, role="admin")
    assert not plan.plan_exists()
    html = client.get("/console/plan").get_data(as_text=True)
    assert plan.plan_exists()
    assert 'name="SEV1.public.incident_opened" value="sms" checked' in html
    assert 'name="SEV1.cadence_minutes"' in html and 'value="30"' in html
    assert "Executives" in html


def test_saving_the_matrix_changes_what_the_plan_decides(
    client: FlaskClient, login: LoginHelper
) -> None:
    login(client, role="admin")
    support = create_group("Support", "", None)
    response = client.post("/console/plan", data=_matrix(**{
        "SEV2.cadence_minutes": "20",
        "SEV2.approval": "on",
        "SEV2.public.incident_update": ["email", "webhook"],
        f"SEV2.{support.public_id}.incident_update": "sms",
        "maintenance.public.maintenance_started": "email",
    }))
    assert response.status_code == 303
    assert decide("SEV2", "incident_update") == [
        Route("public", ("email", "webhook")), Route(support.public_id, ("sms",))]
    assert plan.cadence_minutes("SEV2") == 20 and plan.needs_approval("SEV2")
    # Boxes left unticked mean no messages.
    assert decide("SEV1", "incident_opened") == []
    assert decide("maintenance", "maintenance_started") == [Route("public", ("email",))]
    assert AuditEntry.query.filter_by(action="plan.update").count() == 1
    html = client.get("/console/plan").get_data(as_text=True)
    assert f'name="SEV2.{support.public_id}.incident_update" value="sms" checked' in html


def test_a_bad_cadence_is_refused_and_the_typed_matrix_kept(
    client: FlaskClient, login: LoginHelper
) -> None:
    login(client, role="admin")
    client.get("/console/plan")
    before = yaml_io.export_yaml()
    response = client.post("/console/plan", data=_matrix(**{
        "SEV1.cadence_minutes": "soon", "SEV1.public.incident_update": "sms"}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "severities.SEV1.cadence_minutes: must be a whole number" in html
    assert 'name="SEV1.public.incident_update" value="sms" checked' in html
    assert yaml_io.export_yaml() == before


def test_a_post_without_the_matrix_marker_changes_nothing(
    client: FlaskClient, login: LoginHelper
) -> None:
    login(client, role="admin")
    client.get("/console/plan")
    before = yaml_io.export_yaml()
    assert client.post("/console/plan", data={}).status_code == 400
    assert yaml_io.export_yaml() == before


def test_viewers_read_the_plan_but_cannot_change_or_download_it(
    client: FlaskClient, login: LoginHelper
) -> None:
    plan_save.seed_default_plan()
    login(client, role="viewer")
    html = client.get("/console/plan").get_data(as_text=True)
    assert '<span class="tag">sms</span>' in html
    assert '<span class="tag">webhook</span>' in html  # the default routes public webhooks
    assert '<span class="tag">chat</span>' in html  # and chat, for the public and Executives
    assert "<input type=\"checkbox\"" not in html
    assert client.post("/console/plan", data=_matrix()).status_code == 403
    assert client.post("/console/plan/import", data={}).status_code == 403
    assert client.get("/console/plan.yaml").status_code == 403
    assert decide("SEV1", "incident_opened")[0] == Route("public",
                                                         ("email", "sms", "webhook", "chat"))


def test_communicators_cannot_change_the_plan(client: FlaskClient, login: LoginHelper) -> None:
    login(client, role="communicator")
    assert client.post("/console/plan", data=_matrix()).status_code == 403


def test_yaml_download_and_upload_round_trip(client: FlaskClient, login: LoginHelper) -> None:
    login(client, role="admin")
    plan_save.seed_default_plan()
    download = client.get("/console/plan.yaml")
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    text = download.get_data(as_text=True)
    assert yaml.safe_load(text)["severities"]["SEV1"]["cadence_minutes"] == 30
    edited = text.replace("cadence_minutes: 30", "cadence_minutes: 25")
    response = client.post("/console/plan/import", data={
        "file": (io.BytesIO(edited.encode()), "plan.yaml")})
    assert response.status_code == 303
    assert plan.cadence_minutes("SEV1") == 25
    assert client.get("/console/plan.yaml").get_data(as_text=True) == edited


def test_an_uploaded_plan_with_an_unknown_audience_is_refused_with_its_path(
    client: FlaskClient, login: LoginHelper
) -> None:
    login(client, role="admin")
    plan_save.seed_default_plan()
    before = yaml_io.export_yaml()
    bad = before.replace("Executives:", "Execs:", 1)
    response = client.post("/console/plan/import", data={
        "file": (io.BytesIO(bad.encode()), "plan.yaml")})
    assert response.status_code == 422
    assert ("severities.SEV1.audiences.Execs: unknown audience (known: public, Executives)"
            in response.get_data(as_text=True))
    assert yaml_io.export_yaml() == before


def test_the_matrix_form_needs_a_csrf_token(
    database_url: str, app: Flask, login: LoginHelper
) -> None:
    # Its requests get their own app context (Flask-WTF caches the token in `g`).
    client = make_app(database_url, WTF_CSRF_ENABLED=True).test_client()
    login(client, role="admin")
    assert client.post("/console/plan", data=_matrix()).status_code == 400
    assert not plan.plan_exists()
    token = csrf_token(client, "/console/plan")
    response = client.post("/console/plan", data=_matrix(csrf_token=token))
    assert response.status_code == 303
