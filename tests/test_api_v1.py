"""The management API's envelope: token auth, scope, revocation, errors, rate limit, OpenAPI."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from statuspage.accounts import api_tokens
from statuspage.api import v1_components, v1_incident_updates, v1_postmortems, v1_templates
from statuspage.api import v1_incident_input as mapping
from statuspage.api import v1_incident_patch as patching
from statuspage.api.v1_openapi import document
from statuspage.core.extensions import db
from statuspage.models import ApiToken, Incident
from tests.api_v1_support import auth, call, new_token, page_path
from tests.conftest import make_app
from tests.factories import PASSWORD, Factory

INCIDENT = {"incident": {"name": "Checkout is slow", "body": "Looking into it."}}


def _incident_count() -> int:
    return db.session.scalar(select(func.count(Incident.id))) or 0


def test_a_request_without_a_token_is_refused_with_a_json_401(client: FlaskClient) -> None:
    response = client.get(page_path("incidents"))
    assert response.status_code == 401
    assert response.json["error"] == "Unauthorized"
    assert "Authorization: Bearer" in response.json["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", [
    "Bearer sp_not-a-real-token",
    "Bearer not-even-our-format",
    "OAuth ",
    "Basic dXNlcjpwYXNz",
])
def test_unknown_or_malformed_tokens_are_refused(client: FlaskClient, header: str) -> None:
    new_token("write")
    response = client.get(page_path("incidents"), headers={"Authorization": header})
    assert response.status_code == 401
    assert set(response.json) == {"error", "message"}


def test_both_oauth_and_bearer_schemes_authenticate(client: FlaskClient) -> None:
    secret = new_token("read")
    for scheme in ("OAuth", "Bearer", "bearer"):
        response = client.get(page_path("incidents"), headers=auth(secret, scheme))
        assert response.status_code == 200, scheme
        assert response.json == []


def test_a_token_in_the_query_string_is_not_accepted(client: FlaskClient) -> None:
    secret = new_token("write")
    response = client.get(page_path("incidents") + f"?api_key={secret}")
    assert response.status_code == 401


def test_a_read_token_can_read_but_not_write(client: FlaskClient, factory: Factory) -> None:
    incident = factory.incident()
    secret = new_token("read")
    assert call(client, "GET", f"incidents/{incident.public_id}", secret).status_code == 200
    assert call(client, "GET", "components", secret).status_code == 200

    refused = call(client, "POST", "incidents", secret, json=INCIDENT)
    assert refused.status_code == 403
    assert "read scope" in refused.json["message"]
    patch = call(client, "PATCH", f"incidents/{incident.public_id}", secret,
                 json={"incident": {"status": "resolved"}})
    assert patch.status_code == 403
    assert _incident_count() == 1
    db.session.refresh(incident)
    assert incident.status == "investigating"


def test_a_write_token_can_write(client: FlaskClient) -> None:
    response = call(client, "POST", "incidents", new_token("write"), json=INCIDENT)
    assert response.status_code == 201, response.json
    assert _incident_count() == 1


def test_a_revoked_token_is_refused_from_then_on(client: FlaskClient) -> None:
    secret = new_token("write", name="deploy")
    assert call(client, "GET", "incidents", secret).status_code == 200
    token = db.session.execute(select(ApiToken).where(ApiToken.name == "deploy")).scalar_one()
    api_tokens.revoke_token(token, None)

    response = call(client, "POST", "incidents", secret, json=INCIDENT)
    assert response.status_code == 401
    assert "revoked" in response.json["message"]
    assert call(client, "GET", "incidents", secret).status_code == 401
    assert _incident_count() == 0


def test_tokens_are_stored_only_as_a_hash(app: Flask) -> None:
    created = api_tokens.create_token("ci", "write", None)
    assert re.fullmatch(r"sp_[A-Za-z0-9_-]{43}", created.secret)
    row = db.session.get(ApiToken, created.token.id)
    assert row.token_hash == api_tokens.hash_token(created.secret)
    assert created.secret not in (row.token_hash, row.prefix)
    assert created.secret.startswith(row.prefix) and len(row.prefix) == 7


def test_use_of_a_token_is_recorded(client: FlaskClient) -> None:
    secret = new_token("read", name="poller")
    token = db.session.execute(select(ApiToken).where(ApiToken.name == "poller")).scalar_one()
    assert token.last_used_at is None
    call(client, "GET", "incidents", secret)
    db.session.refresh(token)
    assert token.last_used_at is not None


def test_another_page_id_is_a_json_404(client: FlaskClient) -> None:
    response = client.get("/api/v1/pages/nosuchpage123/incidents",
                          headers=auth(new_token("read")))
    assert response.status_code == 404
    assert response.json["error"] == "Not Found"


def test_pages_lists_the_page_whose_id_the_other_paths_take(client: FlaskClient) -> None:
    response = client.get("/api/v1/pages", headers=auth(new_token("read")))
    assert response.status_code == 200
    [page] = response.json
    assert page_path().endswith(page["id"])


def test_unknown_routes_and_methods_answer_in_json(client: FlaskClient) -> None:
    secret = new_token("write")
    missing = client.get("/api/v1/nothing-here", headers=auth(secret))
    assert missing.status_code == 404 and set(missing.json) == {"error", "message"}
    wrong = client.delete(page_path("incidents"), headers=auth(secret))
    assert wrong.status_code == 405 and wrong.json["error"] == "Method Not Allowed"


def test_a_body_neither_json_nor_form_encoded_is_a_415(client: FlaskClient) -> None:
    response = client.post(page_path("incidents"), headers=auth(new_token("write")),
                           data="incident[name]=x", content_type="text/plain")
    assert response.status_code == 415
    assert "application/json" in response.json["message"]
    assert "application/x-www-form-urlencoded" in response.json["message"]
    assert _incident_count() == 0


@pytest.mark.parametrize("kwargs", [
    {"data": "{not json", "content_type": "application/json"},
    {"json": ["incident"]},
    {"json": {"name": "not wrapped"}},
])
def test_a_body_that_is_not_a_wrapped_json_object_is_a_400(
    client: FlaskClient, kwargs: dict[str, object]
) -> None:
    response = client.post(page_path("incidents"), headers=auth(new_token("write")), **kwargs)
    assert response.status_code == 400
    assert '"incident"' in response.json["message"]
    assert _incident_count() == 0


def test_responses_are_never_stored_by_caches(client: FlaskClient) -> None:
    response = call(client, "GET", "incidents", new_token("read"))
    assert response.headers["Cache-Control"] == "no-store"


def test_the_rate_limit_is_per_token_and_answers_429_in_json(
    app: Flask, database_url: str
) -> None:
    first, second = new_token("read"), new_token("read")
    # The limiter is one global object bound to the app built last: build it after the tokens.
    client = make_app(database_url, RATELIMIT_ENABLED=True,
                      API_RATE_LIMIT="2 per minute").test_client()
    assert call(client, "GET", "incidents", first).status_code == 200
    assert call(client, "GET", "components", first).status_code == 200
    limited = call(client, "GET", "incidents", first)
    assert limited.status_code == 429
    assert limited.json["error"] == "Too Many Requests"
    assert int(limited.headers["Retry-After"]) >= 1
    assert call(client, "GET", "incidents", second).status_code == 200


def test_writes_need_no_csrf_token_and_a_console_session_is_no_credential(
    app: Flask, database_url: str, factory: Factory
) -> None:
    admin = factory.user(role="admin")
    client = make_app(database_url, WTF_CSRF_ENABLED=True).test_client()
    login_page = client.get("/console/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page).group(1)
    logged_in = client.post("/console/login", data={
        "email": admin.email, "password": PASSWORD, "csrf_token": csrf})
    assert logged_in.status_code == 302

    assert client.post(page_path("incidents"), json=INCIDENT).status_code == 401
    response = call(client, "POST", "incidents", new_token("write"), json=INCIDENT)
    assert response.status_code == 201, response.json


def test_the_openapi_document_is_public_and_describes_every_route(
    app: Flask, client: FlaskClient
) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json
    assert spec["openapi"] == "3.1.0"
    assert spec["servers"] == [{"url": "https://status.example.com/api/v1"}]
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api_v1."):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
            assert path in spec["paths"], path
            for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
                assert method.lower() in spec["paths"][path], (method, path)
    # Each body schema lists exactly the fields the server takes (others are a 422).
    schemas = spec["components"]["schemas"]
    for name, fields in (("IncidentCreate", mapping.INCIDENT_FIELDS),
                         ("MaintenanceCreate", mapping.MAINTENANCE_FIELDS),
                         ("BackfillCreate", mapping.BACKFILL_FIELDS),
                         ("IncidentPatch", patching.PATCH_FIELDS)):
        assert set(schemas[name]["properties"]) == set(fields), name
        assert schemas[name]["additionalProperties"] is False
    for name, key, fields in (
        ("IncidentUpdatePatchBody", "incident_update", v1_incident_updates.FIELDS),
        ("PostmortemDraftBody", "postmortem", v1_postmortems.DRAFT_FIELDS),
        ("PostmortemPublishBody", "postmortem", v1_postmortems.PUBLISH_FIELDS),
        ("TemplateCreateBody", "template", v1_templates.FIELDS),
    ):
        inner = schemas[name]["properties"][key]
        assert set(inner["properties"]) == set(fields), name
        assert inner["additionalProperties"] is False
    for name in ("ComponentCreateBody", "ComponentPatchBody"):
        inner = schemas[name]["properties"]["component"]
        assert set(inner["properties"]) == set(v1_components.FIELDS)
        assert inner["additionalProperties"] is False
    assert schemas["IncidentCreate"]["required"] == ["name"]
    assert schemas["IncidentCreate"]["properties"]["name"]["minLength"] == 1


def test_the_openapi_document_is_a_valid_openapi_3_1_document() -> None:
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(document("https://status.example.com"))
