"""Issue 10, item 2: numbers and shapes that gave 500 are clear 4xx (both databases).

Page numbers, limits and ids are ASCII digits within bounds (`statuspage.core.numbers`); dates are
within the years the service accepts; JSON has a bounded depth; bodies a bounded size; 405
says what is allowed; a console form's unknown `action` publishes nothing.
"""

from __future__ import annotations

import io
import json

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.models import Incident
from tests.api_v1_support import auth, call, new_token, page_path
from tests.console.conftest_content import as_role, field_error
from tests.factories import Factory

HOSTILE_NUMBERS = [str(10**30), "²", "\uff11", "-1", "0", "1e3", " 1", "9" * 400, "0x10"]
CONSOLE_LISTS = ["/console/outbox", "/console/audit", "/console/subscribers"]


@pytest.mark.parametrize("raw", HOSTILE_NUMBERS)
def test_public_history_pages_are_bounded(client: FlaskClient, raw: str) -> None:
    assert client.get("/history", query_string={"page": raw}).status_code == 404


@pytest.mark.parametrize("raw", HOSTILE_NUMBERS)
@pytest.mark.parametrize("name", ["page", "limit"])
def test_api_page_and_limit_are_bounded(client: FlaskClient, factory: Factory, raw: str,
                                        name: str) -> None:
    factory.incident()
    response = call(client, "GET", "incidents", new_token("read"), query_string={name: raw})

    assert response.status_code == 422
    assert response.json is not None and response.json["field"] == name


@pytest.mark.parametrize("raw", HOSTILE_NUMBERS)
@pytest.mark.parametrize("role", ["viewer", "admin"])
def test_console_list_pages_are_bounded(client: FlaskClient, factory: Factory, raw: str,
                                        role: str) -> None:
    as_role(client, factory, role)
    for path in CONSOLE_LISTS:
        response = client.get(path, query_string={"page": raw})
        if path == "/console/audit" and role == "viewer":
            assert response.status_code == 403
            continue
        assert response.status_code == 400, (path, raw, response.status_code)
        assert "“page” must be a whole number" in response.get_data(as_text=True)


def test_a_large_valid_page_is_an_empty_list(client: FlaskClient, factory: Factory) -> None:
    as_role(client, factory, "admin")
    for path in CONSOLE_LISTS:
        assert client.get(path, query_string={"page": "1000000"}).status_code == 200


@pytest.mark.parametrize("user_id", [str(2**31), str(2**63), str(10**30), "\uff11", "-1"])
def test_huge_or_foreign_ids_in_urls_are_not_found(client: FlaskClient, factory: Factory,
                                                   user_id: str) -> None:
    as_role(client, factory, "admin")
    incident = factory.incident()

    assert client.get(f"/console/users/{user_id}").status_code == 404
    assert client.post(f"/console/users/{user_id}/deactivate").status_code == 404
    assert client.post(f"/console/incidents/{incident.public_id}/actions/{user_id}/done"
                       ).status_code == 404


@pytest.mark.parametrize("moment", ["0001-01-01T00:00", "9999-12-31T23:59", "1900-01-01T00:00"])
def test_console_maintenance_out_of_range_dates_are_field_errors(
        client: FlaskClient, factory: Factory, moment: str) -> None:
    as_role(client, factory, "admin")
    factory.component()
    client.post("/console/settings", data={"time_zone": "Pacific/Kiritimati"})

    response = client.post("/console/maintenance/new", data={
        "name": "Far away", "scheduled_for": moment, "scheduled_until": moment,
        "body": "x", "action": "publish"})

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "scheduled_for") == "Enter a date between the years 1970 and 2999."
    assert db.session.scalars(select(Incident)).all() == []


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00",
                                    "9999-12-31T23:59:59Z"])
def test_api_out_of_range_dates_are_422(client: FlaskClient, factory: Factory,
                                        moment: str) -> None:
    factory.component()

    response = call(client, "POST", "incidents", new_token(), json={"incident": {
        "name": "Far away", "status": "scheduled", "scheduled_for": moment,
        "scheduled_until": moment}})

    assert response.status_code == 422
    assert response.json is not None and response.json["field"] == "scheduled_for"


@pytest.mark.parametrize("depth", [33, 5_000, 100_000])
def test_deeply_nested_json_is_a_bad_request(client: FlaskClient, factory: Factory,
                                             depth: int) -> None:
    factory.component()
    body = '{"incident": ' + "[" * depth + "]" * depth + "}"

    response = client.post(page_path("incidents"), data=body, content_type="application/json",
                           headers=auth(new_token()))

    assert response.status_code == 400
    assert response.json is not None and "nested" in response.json["message"]


def test_a_ten_megabyte_body_is_too_large(client: FlaskClient, factory: Factory) -> None:
    factory.component()
    big = json.dumps({"incident": {"name": "x" * 10_000_000}})

    api = client.post(page_path("incidents"), data=big, content_type="application/json",
                      headers=auth(new_token()))
    form = client.post("/subscribe", data={"channel": "email", "address": "x" * 10_000_000})

    assert api.status_code == form.status_code == 413


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("POST", "/history", {"GET", "HEAD", "OPTIONS"}),
    ("DELETE", "/", {"GET", "HEAD", "OPTIONS"}),
    ("PUT", "/subscribe", {"GET", "HEAD", "OPTIONS", "POST"}),
    ("DELETE", "/api/v2/summary.json", {"GET", "HEAD", "OPTIONS"}),
    ("GET", "/hooks/twilio/inbound", {"POST", "OPTIONS"}),
])
def test_method_not_allowed_says_what_is_allowed(client: FlaskClient, method: str, path: str,
                                                 allowed: set[str]) -> None:
    response = client.open(path, method=method)

    assert response.status_code == 405
    assert {m.strip() for m in response.headers["Allow"].split(",")} == allowed


def test_method_not_allowed_on_the_management_api(client: FlaskClient, factory: Factory) -> None:
    factory.component()

    response = call(client, "DELETE", "incidents", new_token())

    assert response.status_code == 405
    assert "POST" in response.headers["Allow"] and "GET" in response.headers["Allow"]
    assert response.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("action", ["publsh", "delete", ""])
def test_an_unknown_console_action_publishes_nothing(client: FlaskClient, factory: Factory,
                                                     action: str) -> None:
    as_role(client, factory, "admin")

    response = client.post("/console/incidents/new", data={
        "name": "Typo", "severity": "SEV2", "status": "investigating", "body": "x",
        "action": action})

    assert response.status_code == 400
    assert db.session.scalars(select(Incident)).all() == []


def test_an_unknown_action_on_an_update_publishes_nothing(client: FlaskClient,
                                                          factory: Factory) -> None:
    as_role(client, factory, "admin")
    incident = factory.incident()
    before = len(incident.updates)

    response = client.post(f"/console/incidents/{incident.public_id}/updates", data={
        "status": "identified", "body": "More", "action": "preveiw"})

    assert response.status_code == 400
    db.session.refresh(incident)
    assert len(incident.updates) == before


def test_the_subscriber_import_takes_a_larger_upload(client: FlaskClient,
                                                     factory: Factory) -> None:
    """Above MAX_REQUEST_BYTES (2 MiB) the CSV reaches the importer, which judges it."""
    as_role(client, factory, "admin")

    response = client.post("/console/subscribers/import", data={
        "file": (io.BytesIO(b"not,a,header\n" + b"x" * (3 * 1024 * 1024)), "big.csv")},
        content_type="multipart/form-data")
    too_big = client.post("/console/subscribers/import", data={
        "file": (io.BytesIO(b"x" * (23 * 1024 * 1024)), "huge.csv")},
        content_type="multipart/form-data")

    assert response.status_code == 422  # read and refused by the importer, not 413
    assert too_big.status_code == 413


def test_a_step_the_form_does_not_offer_publishes_nothing(client: FlaskClient,
                                                           factory: Factory) -> None:
    """`action=reach` is a known action, but the resolve form offers no reach preview: it
    is refused, never taken as "resolve"."""
    as_role(client, factory, "admin")
    incident = factory.incident(name="Checkout down")

    response = client.post(f"/console/incidents/{incident.public_id}/resolve",
                           data={"body": "Fixed.", "action": "reach"})

    assert response.status_code == 400
    db.session.refresh(incident)
    assert incident.status != "resolved"
