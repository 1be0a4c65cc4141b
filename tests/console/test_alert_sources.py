"""The console's monitoring alerts page: sources (token shown once), Grafana signing, label
mappings. Everyone may look; only admins change anything (CSRF on, as in production)."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from statuspage.alerts.sources import hash_token
from statuspage.core.extensions import db
from statuspage.models import AlertMapping, AlertSource, AuditEntry
from tests.alert_support import documented, mapping, post, source
from tests.conftest import make_app
from tests.console.conftest import LoginHelper, csrf_token
from tests.console.conftest_content import as_role, field_error
from tests.factories import Factory


@pytest.fixture
def csrf_app(database_url: str, app: Flask) -> Flask:
    return make_app(database_url, WTF_CSRF_ENABLED=True)


def _secret(html: str) -> str:
    match = re.search(r'<code class="secret-value">([^<]+)</code>', html)
    assert match, "no secret on the page"
    return match.group(1)


def test_an_admin_creates_a_source_and_sees_its_token_once(
        csrf_app: Flask, login: LoginHelper) -> None:
    client = csrf_app.test_client()
    login(client, role="admin")

    answer = client.post("/console/alerts/sources", data={
        "csrf_token": csrf_token(client, "/console/alerts"), "name": "Prometheus production",
        "kind": "alertmanager", "default_severity": "SEV3"})

    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    page = answer.get_data(as_text=True)
    token = _secret(page)
    assert "https://status.example.com/hooks/alerts/alertmanager" in page
    assert "credentials_file" in page  # the receiver snippet for alertmanager.yml
    created = db.session.scalar(select(AlertSource))
    assert created is not None and created.token_hash == hash_token(token)
    assert token not in client.get("/console/alerts").get_data(as_text=True)
    assert db.session.scalar(select(AuditEntry.action).where(
        AuditEntry.action == "alert_source.create")) is not None
    # The token works at once.
    assert post(csrf_app.test_client(), "alertmanager", documented("alertmanager_firing"),
                token).status_code == 200


def test_a_bad_source_is_refused_next_to_its_field(client: FlaskClient,
                                                   factory: Factory) -> None:
    as_role(client, factory, "admin")

    answer = client.post("/console/alerts/sources", data={"name": " ", "kind": "nagios",
                                                          "default_severity": "SEV3"})

    assert answer.status_code == 422
    assert field_error(answer.get_data(as_text=True), "name").startswith("Name the source")
    assert db.session.scalar(select(AlertSource)) is None


@pytest.mark.parametrize("role", ["viewer", "communicator"])
def test_only_admins_change_sources_and_mappings(client: FlaskClient, factory: Factory,
                                                 role: str) -> None:
    servers = factory.component("Servers")
    am, _token = source()
    existing = mapping("job=node", servers)
    as_role(client, factory, role)

    page = client.get("/console/alerts")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "job=node" in html and am.name in html
    assert 'action="/console/alerts/sources"' not in html
    for url, data in [
        ("/console/alerts/sources", {"name": "x", "kind": "generic",
                                     "default_severity": "SEV3"}),
        (f"/console/alerts/sources/{am.public_id}/revoke", {}),
        (f"/console/alerts/sources/{am.public_id}/hmac", {}),
        ("/console/alerts/mappings", {"label": "a=b", "component_id": str(servers.id),
                                      "severity": "SEV1", "component_status": "major_outage"}),
        (f"/console/alerts/mappings/{existing.public_id}/delete", {}),
    ]:
        assert client.post(url, data=data).status_code == 403, url
    db.session.expire_all()
    assert db.session.get(AlertSource, am.id).revoked_at is None  # type: ignore[union-attr]
    assert len(db.session.scalars(select(AlertMapping)).all()) == 1


def test_mappings_are_added_with_their_opt_in_and_removed(
        csrf_app: Flask, login: LoginHelper, factory: Factory) -> None:
    api = factory.component("API")
    client = csrf_app.test_client()
    login(client, role="admin")
    token = csrf_token(client, "/console/alerts")

    bad = client.post("/console/alerts/mappings", data={
        "csrf_token": token, "label": "service", "component_id": str(api.id),
        "severity": "SEV2", "component_status": "partial_outage"})
    assert bad.status_code == 422
    assert "name=value" in field_error(bad.get_data(as_text=True), "label")

    good = client.post("/console/alerts/mappings", data={
        "csrf_token": token, "label": "service=api", "component_id": str(api.id),
        "severity": "SEV1", "component_status": "major_outage", "automatic": "y",
        "source_id": ""})
    assert good.status_code == 303
    made = db.session.scalar(select(AlertMapping))
    assert made is not None
    assert (made.label_name, made.label_value, made.severity, made.component_status,
            made.automatic, made.source_id) == ("service", "api", "SEV1", "major_outage",
                                                True, None)
    html = client.get("/console/alerts").get_data(as_text=True)
    assert "service=api" in html and "Yes: sets and reverts the status" in html

    assert client.post(f"/console/alerts/mappings/{made.public_id}/delete").status_code == 400
    gone = client.post(f"/console/alerts/mappings/{made.public_id}/delete",
                       data={"csrf_token": token})
    assert gone.status_code == 303
    assert db.session.scalar(select(AlertMapping)) is None


def test_grafana_signing_is_turned_on_with_a_secret_shown_once_and_off_again(
        client: FlaskClient, factory: Factory) -> None:
    grafana, token = source("grafana")
    as_role(client, factory, "admin")

    answer = client.post(f"/console/alerts/sources/{grafana.public_id}/hmac",
                         data={"timestamp_header": "X-Grafana-Alerting-Timestamp"})

    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    secret = _secret(answer.get_data(as_text=True))
    db.session.expire_all()
    stored = db.session.get(AlertSource, grafana.id)
    assert stored is not None and stored.hmac_secret and secret not in stored.hmac_secret
    assert stored.hmac_timestamp_header == "X-Grafana-Alerting-Timestamp"
    assert post(client, "grafana", documented("grafana_webhook"), token).status_code == 401

    off = client.post(f"/console/alerts/sources/{grafana.public_id}/hmac/off")
    assert off.status_code == 303
    assert post(client, "grafana", documented("grafana_webhook"), token).status_code == 200


def test_revoking_a_source_refuses_its_alerts(client: FlaskClient, factory: Factory) -> None:
    am, token = source()
    as_role(client, factory, "admin")

    assert client.post(f"/console/alerts/sources/{am.public_id}/revoke").status_code == 303

    assert post(client, "alertmanager", documented("alertmanager_firing"), token).status_code == 401
    assert "Revoked" in client.get("/console/alerts").get_data(as_text=True)
