"""Following one incident: the permalink's offer, the follow page, double opt-in, refusals."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from statuspage.core.extensions import db
from statuspage.incidents.lifecycle import resolve_incident
from statuspage.models import Incident, Subscriber
from statuspage.page.record import get_page, touch_page
from statuspage.privacy.erase import erase_person
from statuspage.privacy.export import export_person
from statuspage.privacy.person import person
from statuspage.subscriptions import leaving
from statuspage.subscriptions import subscribe as subscriptions
from statuspage.subscriptions.codes import codes_sent_today
from tests.api_v1_support import auth, new_token
from tests.conftest import make_app
from tests.console.conftest_content import as_role
from tests.factories import Factory
from tests.subscription_support import (
    US_MOBILE,
    last_code,
    link_in,
    outbox,
    path_of,
    reloaded,
)


def follow(client: FlaskClient, incident: Incident, channel: str, address: str,
           ip: str = "203.0.113.7", **extra: str) -> TestResponse:
    return client.post(f"/incidents/{incident.public_id}/subscribe",
                       data={"channel": channel, "address": address, **extra},
                       environ_base={"REMOTE_ADDR": ip})


def follower(incident: Incident, channel: str = "email") -> Subscriber:
    db.session.expire_all()
    return db.session.execute(select(Subscriber).where(
        Subscriber.incident_id == incident.id, Subscriber.channel == channel)).scalar_one()


def confirm_by_email(client: FlaskClient, address: str) -> None:
    path = path_of(link_in(outbox("email", address)[-1].body, "/subscribe/confirm/"))
    assert client.post(path).status_code == 303


def test_an_open_incident_offers_to_follow_it_by_email_and_text(
    client: FlaskClient, factory: Factory
) -> None:
    incident = factory.incident("Checkout is down")
    html = client.get(f"/incidents/{incident.public_id}").get_data(as_text=True)
    assert "Get updates on this incident" in html
    assert f'href="/incidents/{incident.public_id}/subscribe?channel=email"' in html
    assert f'href="/incidents/{incident.public_id}/subscribe?channel=sms"' in html
    form = client.get(f"/incidents/{incident.public_id}/subscribe?channel=sms")
    page = form.get_data(as_text=True)
    assert form.status_code == 200 and form.headers["Cache-Control"] == "no-store"
    assert "Checkout is down" in page
    assert '<label for="address">Mobile number</label>' in page
    assert 'type="tel"' in page and 'aria-describedby="address-hint"' in page
    assert 'name="channel" value="sms"' in page


def test_the_offer_follows_the_setting_the_channels_and_the_incident_state(
    client: FlaskClient, factory: Factory
) -> None:
    incident = factory.incident()
    permalink = f"/incidents/{incident.public_id}"
    page = get_page()
    page.allow_sms_subscribers = False
    db.session.commit()
    html = client.get(permalink).get_data(as_text=True)
    assert "subscribe?channel=email" in html and "subscribe?channel=sms" not in html

    page.allow_incident_subscribers = False
    touch_page()  # as the settings form does: the permalink is served from the cache
    db.session.commit()
    assert "Get updates on this incident" not in client.get(permalink).get_data(as_text=True)
    closed = client.get(f"{permalink}/subscribe").get_data(as_text=True)
    assert "can no longer be followed" in closed and 'name="address"' not in closed
    response = follow(client, incident, "email", "ana@example.com")
    assert response.status_code == 400
    assert "can no longer be followed" in response.get_data(as_text=True)
    assert outbox("email") == []

    page.allow_incident_subscribers = True
    db.session.commit()
    resolve_incident(incident, "Fixed.", None)
    assert "Get updates on this incident" not in client.get(permalink).get_data(as_text=True)
    assert follow(client, incident, "email", "ana@example.com").status_code == 400
    maintenance = factory.maintenance()
    assert "Get updates on this incident" not in client.get(
        f"/incidents/{maintenance.public_id}").get_data(as_text=True)
    assert client.get(f"/incidents/{maintenance.public_id}/subscribe").status_code == 404
    assert client.get("/incidents/nosuchthing1/subscribe").status_code == 404


def test_email_follow_is_confirmed_by_its_link(client: FlaskClient, factory: Factory) -> None:
    incident = factory.incident("Checkout is down")
    response = follow(client, incident, "email", " Ana@Example.com ")
    assert response.status_code == 303
    assert response.headers["Location"] == "/subscribe/check-email"
    row = follower(incident)
    assert row.address == "ana@example.com" and row.state == "unconfirmed"
    assert row.consent_source == "incident_page" and row.consent_ip == "203.0.113.7"
    [mail] = outbox("email", "ana@example.com")
    assert "on the incident Checkout is down" in mail.body
    confirm_by_email(client, "ana@example.com")
    assert reloaded(row).state == "active"
    # Page-wide, the address is not subscribed: a follow is a row of its own.
    assert subscriptions.find_subscriber("email", "ana@example.com") is None


def test_sms_follow_is_confirmed_by_its_code_within_the_daily_budget(
    client: FlaskClient, factory: Factory
) -> None:
    incident = factory.incident()
    response = follow(client, incident, "sms", "(415) 555-2671")
    row = follower(incident, "sms")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/subscribe/sms/{row.public_id}"
    assert row.address == US_MOBILE and codes_sent_today() == 1
    code = last_code(US_MOBILE)
    done = client.post(f"/subscribe/sms/{row.public_id}", data={"code": code})
    assert done.status_code == 303 and "/manage/" in done.headers["Location"]
    assert reloaded(row).state == "active"
    manage = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Following the incident" in manage and "Stop following this incident" in manage

    get_page().sms_daily_signup_budget = 1
    db.session.commit()
    refused = follow(client, factory.incident("Another"), "sms", "+14155552672")
    assert refused.status_code == 429
    assert "Text message sign-ups are paused for today" in refused.get_data(as_text=True)


def test_bad_input_is_refused_next_to_the_field_with_what_was_typed(
    client: FlaskClient, factory: Factory
) -> None:
    incident = factory.incident()
    response = follow(client, incident, "email", "not an address")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="not an address"' in html
    assert 'aria-invalid="true"' in html and 'id="address-error"' in html
    assert 'aria-describedby="address-hint address-error"' in html
    webhook = follow(client, incident, "webhook", "https://example.com/hook")
    assert webhook.status_code == 400
    assert "email or text message" in webhook.get_data(as_text=True)
    assert db.session.execute(select(Subscriber)).first() is None


def test_a_second_sign_up_reveals_nothing_and_an_active_follow_gets_its_manage_link(
    client: FlaskClient, factory: Factory
) -> None:
    incident = factory.incident()
    follow(client, incident, "email", "ana@example.com")
    confirm_by_email(client, "ana@example.com")
    again = follow(client, incident, "email", "ana@example.com")
    assert again.status_code == 303 and again.headers["Location"] == "/subscribe/check-email"
    assert "/manage/" in outbox("email", "ana@example.com")[-1].body
    assert db.session.query(Subscriber).count() == 1


def test_a_suppressed_address_cannot_follow_and_nothing_is_sent(
    client: FlaskClient, factory: Factory
) -> None:
    page_wide = subscriptions.subscribe("email", "gone@example.com", [], "en", None)
    leaving.suppress(page_wide, "bounce")
    sent = len(outbox("email"))
    incident = factory.incident()
    response = follow(client, incident, "email", "gone@example.com")
    assert response.status_code == 303  # the same answer as for anyone
    row = follower(incident)
    assert row.state == "suppressed" and row.suppression_reason == "bounce"
    assert len(outbox("email")) == sent


def test_an_erased_suppressed_address_still_cannot_follow(
    client: FlaskClient, factory: Factory
) -> None:
    number = subscriptions.subscribe("sms", US_MOBILE, [], "en", None)
    leaving.suppress(number, "provider_error")
    erase_person(person(US_MOBILE), None)
    assert reloaded(number).erased_at is not None
    texts = len(outbox("sms"))
    incident = factory.incident()
    follow(client, incident, "sms", US_MOBILE)
    assert follower(incident, "sms").state == "suppressed"
    assert len(outbox("sms")) == texts


def test_a_bounce_on_a_follow_suppresses_the_page_subscription_too(
    client: FlaskClient, factory: Factory
) -> None:
    page_wide = subscriptions.subscribe("email", "ana@example.com", [], "en", None)
    incident = factory.incident()
    follow(client, incident, "email", "ana@example.com")
    leaving.suppress(follower(incident), "bounce")
    assert reloaded(page_wide).state == "suppressed"


def test_follow_form_is_csrf_protected(app: Flask, database_url: str, factory: Factory) -> None:
    incident = factory.incident()
    client = make_app(database_url, WTF_CSRF_ENABLED=True).test_client()
    assert follow(client, incident, "email", "ana@example.com").status_code == 400
    assert outbox("email") == []
    html = client.get(f"/incidents/{incident.public_id}/subscribe").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert token is not None
    response = follow(client, incident, "email", "ana@example.com", csrf_token=token.group(1))
    assert response.status_code == 303
    assert len(outbox("email", "ana@example.com")) == 1


@pytest.mark.parametrize("limit, ips, address", [
    ({"SUBSCRIBE_RATE_LIMIT_IP": "2 per hour"}, ["10.0.0.1"] * 3, None),
    ({"SUBSCRIBE_RATE_LIMIT_ADDRESS": "2 per hour"}, ["10.0.0.1", "10.0.0.2", "10.0.0.3"],
     "victim@example.com"),
])
def test_follow_sign_ups_are_rate_limited_like_page_sign_ups(
    app: Flask, database_url: str, factory: Factory, limit: dict[str, str], ips: list[str],
    address: str | None
) -> None:
    incident = factory.incident()
    client = make_app(database_url, RATELIMIT_ENABLED=True, **limit).test_client()
    typed = [address or f"p{n}@example.com" for n in range(3)]
    assert follow(client, incident, "email", typed[0], ip=ips[0]).status_code == 303
    assert follow(client, incident, "email", typed[1], ip=ips[1]).status_code == 303
    refused = follow(client, incident, "email", typed[2], ip=ips[2])
    html = refused.get_data(as_text=True)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert "Too many requests" in html and f'value="{typed[2]}"' in html
    assert len(outbox("email")) == 2


def test_the_page_and_follow_sign_ups_share_the_per_address_allowance(
    app: Flask, database_url: str, factory: Factory
) -> None:
    incident = factory.incident()
    client = make_app(database_url, RATELIMIT_ENABLED=True,
                      SUBSCRIBE_RATE_LIMIT_ADDRESS="2 per hour").test_client()
    client.post("/subscribe", data={"channel": "email", "address": "v@example.com"})
    assert follow(client, incident, "email", "v@example.com").status_code == 303
    assert follow(client, incident, "email", "v@example.com").status_code == 429


def test_admins_switch_following_off_and_on_and_the_manage_api_reports_it(
    client: FlaskClient, factory: Factory
) -> None:
    incident = factory.incident()
    as_role(client, factory, "admin")
    form = client.get("/console/settings").get_data(as_text=True)
    assert '<input checked id="allow_incident_subscribers"' in form
    settings = {"name": "Acme", "url": "https://status.example.com",
                "time_zone": "Etc/UTC", "accent_color": "#2563eb",
                "allow_email_subscribers": "y", "sms_allowed_countries": "US",
                "sms_daily_signup_budget": "50"}
    assert client.post("/console/settings", data=settings).status_code == 303
    assert get_page().allow_incident_subscribers is False
    permalink = client.get(f"/incidents/{incident.public_id}").get_data(as_text=True)
    assert "Get updates on this incident" not in permalink
    [listed] = client.get("/api/v1/pages", headers=auth(new_token("read"))).json
    assert listed["allow_incident_subscribers"] is False

    settings["allow_incident_subscribers"] = "y"
    assert client.post("/console/settings", data=settings).status_code == 303
    assert "Get updates on this incident" in client.get(
        f"/incidents/{incident.public_id}").get_data(as_text=True)
    [listed] = client.get("/api/v1/pages", headers=auth(new_token("read"))).json
    assert listed["allow_incident_subscribers"] is True


def test_privacy_export_and_erasure_include_the_follows(
    client: FlaskClient, factory: Factory
) -> None:
    incident = factory.incident("Checkout is down")
    follow(client, incident, "email", "ana@example.com")
    document = export_person(person("ana@example.com"), None)
    [held] = document["incident_follows"]
    assert held["address"] == "ana@example.com"
    assert held["incident"] == {"id": incident.public_id, "name": "Checkout is down"}
    erase_person(person("ana@example.com"), None)
    row = follower(incident)
    assert row.erased_at is not None and "ana@example.com" not in row.address
    # Erased, the follow is still found by the address's hash: a new sign-up restores it.
    follow(client, incident, "email", "ana@example.com")
    assert follower(incident).address == "ana@example.com"
