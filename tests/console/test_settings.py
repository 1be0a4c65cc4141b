"""Page settings (admins only): validation next to each field, audit, effect on the page."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from statuspage.core.extensions import db
from statuspage.models import AuditEntry, Page
from statuspage.page.record import get_page
from tests.console.conftest import LoginHelper
from tests.console.conftest_content import field_error, input_value, textarea_value

VALID = {
    "name": "Acme Cloud",
    "url": "https://status.acme.test",
    "time_zone": "Europe/Oslo",
    "logo_url": "https://cdn.acme.test/logo.svg",
    "accent_color": "#FF6600",
    "allow_email_subscribers": "y",
    "allow_sms_subscribers": "y",
    "sms_allowed_countries": "no, se us",
    "sms_daily_signup_budget": "50",
    "email_footer": "Acme Inc, **Main Street 1**",
}


def test_admin_saves_settings_and_the_public_api_shows_them(
    client: FlaskClient, login: LoginHelper
) -> None:
    admin = login(client, role="admin")
    before = client.get("/api/v2/status.json").get_json()
    assert before["page"]["name"] != "Acme Cloud"
    old_version = get_page().cache_version

    response = client.post("/console/settings", data=VALID)
    assert response.status_code == 303

    page = db.session.get(Page, get_page().id)
    db.session.refresh(page)
    assert (page.name, page.url, page.time_zone) == ("Acme Cloud", "https://status.acme.test",
                                                     "Europe/Oslo")
    assert page.accent_color == "#ff6600"
    assert page.sms_allowed_countries == "NO,SE,US"
    assert page.sms_daily_signup_budget == 50
    # An unticked checkbox is not submitted: webhooks (and chat webhooks) are now closed.
    assert page.allow_webhook_subscribers is False
    assert page.allow_chat_subscribers is False
    assert page.cache_version > old_version

    status = client.get("/api/v2/status.json").get_json()
    assert status["page"]["name"] == "Acme Cloud"
    assert status["page"]["url"] == "https://status.acme.test"
    assert status["page"]["time_zone"] == "Europe/Oslo"

    entry = AuditEntry.query.filter_by(action="page.settings").one()
    assert entry.actor_id == admin.id
    assert entry.details["changes"]["name"]["new"] == "Acme Cloud"
    assert entry.details["changes"]["email_footer"] == {"changed": True}


def test_the_form_shows_the_saved_settings(client: FlaskClient, login: LoginHelper) -> None:
    login(client, role="admin")
    client.post("/console/settings", data=VALID)
    html = client.get("/console/settings").get_data(as_text=True)
    assert input_value(html, "name") == "Acme Cloud"
    assert input_value(html, "sms_allowed_countries") == "NO,SE,US"
    assert textarea_value(html, "email_footer") == "Acme Inc, **Main Street 1**"


@pytest.mark.parametrize(("field", "value", "message"), [
    ("name", "   ", "Give the page a name"),
    ("url", "ftp://status.acme.test", "absolute http:// or https://"),
    ("url", "status.acme.test", "absolute http:// or https://"),
    ("time_zone", "Mars/Olympus_Mons", "IANA time zone"),
    ("time_zone", "localtime", "IANA time zone"),
    ("logo_url", "http://cdn.acme.test/logo.svg", "https://"),
    ("logo_url", "//evil.test/logo.svg", "https://"),
    ("logo_url", "javascript:alert(1)", "https://"),
    ("accent_color", "red", "#rrggbb"),
    ("accent_color", "#12345", "#rrggbb"),
    ("sms_allowed_countries", "US, XX, ZZ", "Unknown country codes: XX, ZZ"),
    ("sms_allowed_countries", "", "at least one country"),
    ("sms_daily_signup_budget", "-1", "whole number from 0"),
    ("sms_daily_signup_budget", "lots", "Not a valid integer"),
])
def test_invalid_settings_are_refused_next_to_the_field_keeping_the_input(
    client: FlaskClient, login: LoginHelper, field: str, value: str, message: str
) -> None:
    login(client, role="admin")
    name_before = get_page().name
    response = client.post("/console/settings", data={**VALID, field: value})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in field_error(html, field)
    assert input_value(html, field) == value
    assert input_value(html, "name") == (VALID["name"] if field != "name" else value)
    db.session.expire_all()
    assert get_page().name == name_before
    assert AuditEntry.query.filter_by(action="page.settings").count() == 0


def test_sms_countries_may_be_empty_when_sms_is_closed_and_logo_may_be_a_site_path(
    client: FlaskClient, login: LoginHelper
) -> None:
    login(client, role="admin")
    data = {**VALID, "sms_allowed_countries": "", "logo_url": "/static/logo.svg"}
    del data["allow_sms_subscribers"]
    assert client.post("/console/settings", data=data).status_code == 303
    page = get_page()
    db.session.refresh(page)
    assert page.allow_sms_subscribers is False and page.sms_allowed_countries == ""
    assert page.logo_url == "/static/logo.svg"


def test_saving_unchanged_settings_records_nothing(client: FlaskClient,
                                                   login: LoginHelper) -> None:
    login(client, role="admin")
    client.post("/console/settings", data=VALID)
    version = get_page().cache_version
    assert client.post("/console/settings", data=VALID).status_code == 303
    db.session.expire_all()
    assert get_page().cache_version == version
    assert AuditEntry.query.filter_by(action="page.settings").count() == 1


@pytest.mark.parametrize("role", ["viewer", "communicator"])
def test_only_admins_reach_page_settings(client: FlaskClient, login: LoginHelper,
                                         role: str) -> None:
    login(client, role=role)
    assert client.get("/console/settings").status_code == 403
    assert client.post("/console/settings", data=VALID).status_code == 403
    assert get_page().name != "Acme Cloud"
    assert "Page settings" not in client.get("/console/").get_data(as_text=True)
