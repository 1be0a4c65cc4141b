"""Languages on the public pages: English and Norwegian Bokmål, chosen per visitor.

The language comes from the footer switch (`?lang=`, remembered in a `lang` cookie) or from
Accept-Language; the console and the APIs stay English. Shared cached pages are keyed and
validated per language, and dates are written for the language in the page's time zone.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from statuspage.core import i18n
from statuspage.core.extensions import db
from statuspage.page.record import get_page
from statuspage.subscriptions import subscribe as subscriptions
from tests.factories import Factory
from tests.subscription_support import link_in, outbox, path_of, token_of

NB = {"Accept-Language": "nb-NO,nb;q=0.9,en;q=0.5"}
EN = {"Accept-Language": "en-US,en;q=0.9"}


def html_of(client: FlaskClient, path: str, headers: dict[str, str] | None = None) -> str:
    response = client.get(path, headers=headers or {})
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def lang_attribute(html: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', html)
    assert match
    return match.group(1)


@pytest.mark.parametrize(("header", "expected"), [
    ("nb-NO,nb;q=0.9,en;q=0.5", "nb"),
    ("no", "nb"),  # Norwegian without a written standard named: Bokmål
    ("nn-NO", "nb"),  # a Nynorsk reader reads Bokmål better than English
    ("de-DE,nb;q=0.5,en;q=0.4", "nb"),  # the best language we have
    ("de-DE,en;q=0.8,nb;q=0.5", "en"),
    ("nb;q=0", "en"),  # explicitly refused
    ("fr", "en"),
    ("", "en"),
])
def test_accept_language_picks_the_best_supported_language(header: str, expected: str) -> None:
    assert i18n.from_header(header) == expected


def test_english_by_default(client: FlaskClient) -> None:
    html = html_of(client, "/")
    assert lang_attribute(html) == "en"
    assert "All Systems Operational" in html and "Past incidents" in html


def test_front_page_in_norwegian_from_accept_language(client: FlaskClient,
                                                      factory: Factory) -> None:
    api = factory.component("API")
    factory.incident(name="Treg innlogging", components={api: "major_outage"})
    html = html_of(client, "/", NB)
    assert lang_attribute(html) == "nb"
    assert "Aktive hendelser" in html and "Tidligere hendelser" in html
    assert "Større driftsavbrudd" in html  # the component's status
    assert "Undersøker" in html  # the incident's status
    assert "Abonner på oppdateringer" in html
    assert "Alle systemer fungerer" not in html and "Active incidents" not in html


@pytest.mark.parametrize(("status", "label"), [
    ("operational", "Alle systemer fungerer"),
    ("degraded_performance", "Delvis redusert ytelse"),
    ("major_outage", "Større driftsavbrudd"),
    ("under_maintenance", "Tjenesten er under vedlikehold"),
])
def test_front_page_banner_in_norwegian_in_every_state(
        client: FlaskClient, factory: Factory, status: str, label: str) -> None:
    factory.component("API", status=status)
    html = html_of(client, "/", NB)
    assert re.search(rf'<h1 id="page-status">{label}</h1>', html)


def test_incident_page_in_norwegian(client: FlaskClient, factory: Factory) -> None:
    incident = factory.incident(name="Treg innlogging")
    path = f"/incidents/{incident.public_id}"
    html = html_of(client, path, NB)
    assert "<dt>Påvirkning</dt>" in html and "<h2 id=\"updates\">Oppdateringer</h2>" in html
    assert "Undersøker" in html and "Hendelse" in html
    english = html_of(client, path, EN)
    assert "<dt>Impact</dt>" in english and "Investigating" in english


def test_history_page_in_norwegian(client: FlaskClient, factory: Factory) -> None:
    factory.incident(name="Treg innlogging")
    html = html_of(client, "/history", NB)
    assert "<h1>Hendelseshistorikk</h1>" in html
    month = datetime.now(UTC).strftime("%Y-%m")  # the page's zone is UTC
    names = ["januar", "februar", "mars", "april", "mai", "juni", "juli", "august",
             "september", "oktober", "november", "desember"]
    assert f"{names[int(month[5:]) - 1]} {month[:4]}" in html
    assert "Incident history" not in html


def test_subscribe_page_in_norwegian(client: FlaskClient, factory: Factory) -> None:
    factory.component("API")
    html = html_of(client, "/subscribe", NB)
    assert "<h1 id=\"subscribe-title\">Abonner på oppdateringer</h1>" in html
    assert "E-postadresse" in html and "Velg ingen for å få høre om alle komponentene." in html
    sms = html_of(client, "/subscribe?channel=sms", NB)
    assert "Mobilnummer" in sms and "Norge (+47)" in sms  # countries named in Norwegian


def test_subscribe_refusal_in_norwegian(client: FlaskClient) -> None:
    response = client.post("/subscribe", data={"channel": "email", "address": ""}, headers=NB)
    assert response.status_code == 400
    assert "Skriv inn e-postadressen din." in response.get_data(as_text=True)


def test_manage_page_in_norwegian(client: FlaskClient, app: Flask) -> None:
    subscriber = subscriptions.subscribe("email", "kari@example.no", [], "nb", "203.0.113.5")
    path = path_of(subscriptions.manage_url(subscriber))
    html = html_of(client, path, NB)
    assert "<h1 id=\"manage-title\">Abonnementet ditt</h1>" in html
    assert "Avslutt abonnementet på alle oppdateringer" in html
    assert "Your subscription" not in html


def test_error_pages_in_norwegian(client: FlaskClient) -> None:
    gone = client.get("/incidents/nope", headers=NB)
    assert gone.status_code == 404
    text = gone.get_data(as_text=True)
    assert "404 Ikke funnet" in text
    assert "Det finnes ingen hendelse eller vedlikehold med denne adressen." in text
    nowhere = client.get("/no-such-page", headers=NB).get_data(as_text=True)
    assert "Det finnes ingenting på denne adressen." in nowhere
    assert "Det finnes ingenting" not in client.get("/no-such-page", headers=EN).get_data(True)


def test_the_switch_sets_a_cookie_that_later_pages_follow(client: FlaskClient) -> None:
    switched = client.get("/?lang=nb", headers=EN)
    assert "Alle systemer fungerer" in switched.get_data(as_text=True)
    assert "lang=nb" in switched.headers["Set-Cookie"]
    # A response that sets a cookie is never stored by a shared cache.
    assert "private" in switched.headers["Cache-Control"]
    later = client.get("/history", headers=EN)  # the cookie now outranks the header
    assert "<h1>Hendelseshistorikk</h1>" in later.get_data(as_text=True)
    # Chosen by the cookie against what the header says: for this visitor only.
    assert "private" in later.headers["Cache-Control"]
    back = client.get("/?lang=en")
    assert "All Systems Operational" in back.get_data(as_text=True)
    assert "lang=en" in back.headers["Set-Cookie"]


def test_footer_switch_links_keep_the_page_and_its_query(client: FlaskClient,
                                                        factory: Factory) -> None:
    factory.incident()
    html = html_of(client, "/history?page=1", EN)
    assert 'href="/history?page=1&amp;lang=nb" lang="nb" hreflang="nb">Norsk bokmål</a>' in html
    assert 'lang="en" hreflang="en" aria-current="true">English</a>' in html


def test_cached_page_is_never_served_across_languages(client: FlaskClient) -> None:
    """One process, one URL: the Norwegian render must not reach the next English visitor."""
    norwegian = client.get("/", headers=NB)
    english = client.get("/", headers=EN)
    assert "Alle systemer fungerer" in norwegian.get_data(as_text=True)
    assert "All Systems Operational" in english.get_data(as_text=True)
    assert norwegian.headers["ETag"] != english.headers["ETag"]
    # Served again from the cache, each language revalidates against its own validator only.
    again = client.get("/", headers={**NB, "If-None-Match": norwegian.headers["ETag"]})
    assert again.status_code == 304
    crossed = client.get("/", headers={**EN, "If-None-Match": norwegian.headers["ETag"]})
    assert crossed.status_code == 200
    assert "All Systems Operational" in crossed.get_data(as_text=True)
    # A cookie visitor's page does not leak into the shared entry either.
    client.set_cookie("lang", "nb")
    assert "Alle systemer fungerer" in client.get("/", headers=EN).get_data(as_text=True)
    client.delete_cookie("lang")
    assert "All Systems Operational" in client.get("/", headers=EN).get_data(as_text=True)


def test_public_pages_vary_on_accept_language_and_never_on_cookie(client: FlaskClient) -> None:
    for path in ("/", "/history", "/subscribe"):
        response = client.get(path, headers=NB)
        vary = {v.strip() for v in response.headers.get("Vary", "").split(",")}
        assert "Accept-Language" in vary, path
    shared = client.get("/", headers=NB)
    assert "public" in shared.headers["Cache-Control"]
    assert "Cookie" not in shared.headers["Vary"] and "Set-Cookie" not in shared.headers


def test_api_and_feeds_stay_english(client: FlaskClient, factory: Factory) -> None:
    factory.component("API", status="major_outage")
    status = client.get("/api/v2/status.json", headers=NB).get_json()
    assert status["status"]["description"] == "Major System Outage"
    summary = client.get("/api/v2/summary.json", headers=NB).get_json()
    assert summary["components"][0]["status"] == "major_outage"
    factory.incident(name="Slow logins")
    rss = client.get("/history.rss", headers=NB).get_data(as_text=True)
    assert "Investigating" in rss and "Undersøker" not in rss


def test_console_stays_english(client: FlaskClient) -> None:
    html = html_of(client, "/console/login", NB)
    assert "<h1>Log in</h1>" in html and lang_attribute(html) == "en"
    response = client.get("/console/login", headers=NB)
    assert "Accept-Language" not in response.headers.get("Vary", "")
    missing = client.get("/console/no-such-page", headers=NB)  # no blueprint matched
    assert missing.status_code == 404 and "Back to the status page" in missing.get_data(True)


def test_signup_records_the_language_the_visitor_reads(client: FlaskClient) -> None:
    response = client.post("/subscribe", headers=NB,
                           data={"channel": "email", "address": "kari@example.no"})
    assert response.status_code == 303
    subscriber = subscriptions.find_subscriber("email", "kari@example.no")
    assert subscriber is not None and subscriber.language == "nb"
    confirmation = outbox("email", "kari@example.no")[-1]
    assert confirmation.subject == "[Acme] Bekreft abonnementet ditt"
    assert "Noen, forhåpentligvis du, har bedt om" in confirmation.body
    assert '<html lang="nb">' in confirmation.html
    # The link confirms on a page in the same language.
    page = client.get(path_of(link_in(confirmation.body, "/subscribe/confirm/")), headers=NB)
    assert "Bekreft abonnementet" in page.get_data(as_text=True)
    client.post("/subscribe", headers=EN, data={"channel": "email", "address": "ann@example.com"})
    english = outbox("email", "ann@example.com")[-1]
    assert english.subject == "[Acme] Confirm your subscription"
    assert token_of(link_in(english.body, "/subscribe/confirm/"))


def test_times_are_written_per_language_in_the_page_zone(client: FlaskClient,
                                                         factory: Factory) -> None:
    page = get_page()
    page.time_zone = "Europe/Oslo"
    db.session.commit()
    incident = factory.incident(started_at=datetime(2024, 7, 1, 20, 30, tzinfo=UTC))
    path = f"/incidents/{incident.public_id}"
    english = html_of(client, path, EN)
    norwegian = html_of(client, path, NB)
    stamp = 'datetime="2024-07-01T20:30:00+00:00"'
    assert f"<time {stamp}>Jul 01, 2024 22:30 CEST</time>" in english
    assert f"<time {stamp}>1. juli 2024 kl. 22:30 CEST</time>" in norwegian
    assert "Tidspunkter vises i tidssonen Europe/Oslo." in norwegian


def test_local_time_script_is_loaded_deferred_with_translated_wording(
        client: FlaskClient) -> None:
    html = html_of(client, "/", NB)
    tag = re.search(r"<script [^>]*></script>", html)
    assert tag is not None
    assert 'src="/static/localtime.js"' in tag.group(0) and " defer" in tag.group(0)
    assert 'data-your-time="({time} hos deg)"' in tag.group(0)
    assert 'data-zone="Etc/UTC"' in tag.group(0)
    script = client.get("/static/localtime.js")
    assert script.status_code == 200
    body = script.get_data(as_text=True)
    assert "data-your-time" in body and "time[datetime]" in body
    script.close()
