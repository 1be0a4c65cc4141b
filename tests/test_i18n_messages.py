"""Subscriber messages in the subscriber's language, and the catalogs that make them.

Each subscriber reads email and SMS in the language recorded when they subscribed, even when
one fan-out reaches both languages; Norwegian SMS stay GSM-7 within two segments. The
catalog tests keep the committed .mo in step with the .po and every public string translated.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from flask import Flask

from statuspage import ROOT
from statuspage.core import segments
from statuspage.core.extensions import db
from statuspage.incidents.lifecycle import post_update
from statuspage.incidents.updates import UpdateInput
from statuspage.messages import build as messages
from statuspage.page.record import get_page
from statuspage.tasks import delivery as delivery_tasks
from tests.delivery_support import (
    add_subscribers,
    email,
    open_plan,  # noqa: F401 (a fixture, used by pytestmark)
    phone,
    provider_settings,
    queued_tasks,
    run_worker,
    task_errors,
)
from tests.factories import Factory
from tests.fakes.providers import FakeSendGrid, FakeTwilio
from tests.notify.events import event_for

LONG_NB = ("Vi har funnet en feil i den primære databaseklyngen i Oslo-regionen og bytter til "
           "reserveklyngen. Kunder kan få feilmeldinger når de lagrer endringer til byttet er "
           "ferdig. Vi gir en ny oppdatering om 30 minutter. Ærlig talt: øv på å vente, å ja.")

PO = ROOT / "translations" / "nb" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
# What visitors and subscribers read; the console's strings are wrapped but stay English.
PUBLIC_SOURCES = (
    "templates/public/**/*.html", "templates/messages/**/*.html", "templates/messages/**/*.txt",
    "templates/error.html",
    "statuspage/public/*.py", "statuspage/subscriptions/subscribe.py",
    "statuspage/subscriptions/choice.py", "statuspage/subscriptions/follows.py",
    "statuspage/subscriptions/codes.py", "statuspage/subscriptions/links.py",
    "statuspage/notify/addresses.py", "statuspage/delivery/confirmations.py",
    "statuspage/tasks/subscriptions.py", "statuspage/messages/build.py",
    "statuspage/messages/context.py", "statuspage/messages/events.py",
    "statuspage/messages/postmortem.py", "statuspage/messages/sms.py",
    "statuspage/messages/stakeholder.py", "statuspage/messages/webhook.py",
    "statuspage/models/status.py", "statuspage/page/rollup.py", "statuspage/web/errorpages.py",
    "statuspage/core/tokens.py", "statuspage/notify/webhook_guard.py",
    "statuspage/messages/chat/*.py",
)
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None}

pytestmark = pytest.mark.usefixtures("open_plan")


@pytest.fixture
def errors() -> Iterator[list[BaseException]]:
    with task_errors() as caught:
        yield caught
    assert not caught, caught


def _sends_by_language(fake: FakeSendGrid) -> dict[str, dict[str, str]]:
    """subject/text/html of each SendGrid call, keyed by the language of its recipients."""
    found = {}
    for send in fake.sends:
        mail = send.json
        addresses = {p["to"][0]["email"] for p in mail["personalizations"]}
        language = "nb" if addresses <= {email(n) for n in range(10, 20)} else "en"
        parts = {c["type"]: c["value"] for c in mail["content"]}
        found[language] = {"subject": mail["subject"], "text": parts["text/plain"],
                           "html": parts["text/html"]}
    return found


def test_one_fan_out_emails_each_subscriber_in_their_language(
    app: Flask, factory: Factory, fake_sendgrid: FakeSendGrid, errors: list[BaseException],
) -> None:
    app.config.update(provider_settings(sendgrid_url=fake_sendgrid.url))
    add_subscribers(2, language="en")
    add_subscribers(2, start=10, language="nb")
    api = factory.component("API")

    factory.incident(name="Treg innlogging", body="Vi undersøker saken.",
                     components={api: "major_outage"})

    mails = _sends_by_language(fake_sendgrid)
    assert mails["nb"]["subject"] == "[Acme] Treg innlogging: Undersøker"
    assert mails["en"]["subject"] == "[Acme] Treg innlogging: Investigating"
    nb, en = mails["nb"], mails["en"]
    assert "Berørte komponenter" in nb["text"] and "API: Større driftsavbrudd" in nb["text"]
    assert "(var: I drift)" in nb["text"]
    assert "Du får dette fordi du abonnerer på statusoppdateringer fra Acme." in nb["text"]
    assert "Avslutt abonnement" in nb["text"] and "Se detaljer om hendelsen" in nb["html"]
    assert '<html lang="nb">' in nb["html"] and "Administrer abonnementet ditt" in nb["html"]
    assert "Affected components" in en["text"] and "API: Major Outage" in en["text"]
    assert "(was Operational)" in en["text"] and "View incident details" in en["html"]
    assert '<html lang="en">' in en["html"] and "Berørte" not in en["text"]


def test_one_fan_out_texts_each_subscriber_in_their_language(
    app: Flask, factory: Factory, fake_twilio: FakeTwilio,
) -> None:
    app.config.update(provider_settings(twilio_url=fake_twilio.url), TWILIO_MAX_PER_SECOND=50.0)
    add_subscribers(1, "sms", language="en")
    add_subscribers(1, "sms", start=10, language="nb")
    with queued_tasks():
        factory.incident(name="Treg innlogging", body="Vi undersøker saken.")
        run_worker(app, only=["expand_event"])
    delivery_tasks.sms_pump.call_local()

    bodies = {m.param("To"): m.param("Body") or "" for m in fake_twilio.messages}
    nb, en = bodies[phone(10)], bodies[phone(0)]
    assert nb.startswith("Acme: Treg innlogging - Undersøker\n")
    assert nb.endswith("Svar STOP for å melde deg av")
    assert en.startswith("Acme: Treg innlogging - Investigating\n")
    assert en.endswith("Reply STOP to unsubscribe")
    assert segments.encoding(nb) == "GSM-7"  # æ, ø and å are in the GSM-7 alphabet


def test_norwegian_sms_stays_gsm7_within_two_segments(app: Flask, factory: Factory) -> None:
    get_page().name = "Eksempel Skytjenester Drift og Status"
    incident = factory.incident(name="Økte feilrater og treghet i API, dashbord og webhooker "
                                     "i alle regioner", body=LONG_NB, status="identified")
    for language in ("nb", "en"):
        body = messages.render_sms(event_for(incident), language).body
        info = segments.analyse(body)
        assert info.encoding == "GSM-7", body
        assert info.segments <= 2
        assert body.endswith(f"https://status.example.com/incidents/{incident.public_id}")
    short = factory.incident(name="Treg innlogging", body="Vi undersøker.")
    body = messages.render_sms(event_for(short), "nb").body
    assert segments.analyse(body).segments == 1 and "Svar STOP" in body


def test_norwegian_confirmation_code_fits_one_gsm7_segment(app: Flask) -> None:
    get_page().name = "Eksempel Skytjenester Drift og Status Øst"  # capped at 30 units
    body = messages.render_confirmation_sms("123456", "nb").body
    assert "bekreftelseskoden din er 123456" in body and "Svar STOP" in body
    assert segments.analyse(body) == segments.SegmentInfo("GSM-7", len(body), 1)


def test_email_times_and_window_use_the_language_and_the_page_zone(
        app: Flask, factory: Factory) -> None:
    page = get_page()
    page.time_zone = "Europe/Oslo"
    db.session.commit()
    start = datetime(2031, 1, 10, 21, 0, tzinfo=UTC)
    maintenance = factory.maintenance(name="Databaseoppgradering")
    maintenance.scheduled_for, maintenance.scheduled_until = start, start.replace(hour=23)
    db.session.commit()
    nb = messages.render_email(event_for(maintenance), "nb")
    en = messages.render_email(event_for(maintenance), "en")
    assert nb.subject == "[Acme] Planlagt vedlikehold: Databaseoppgradering"
    assert "Planlagt 10. jan. 2031 kl. 22:00 CET - 11. jan. 2031 kl. 00:00 CET" in nb.text
    assert en.subject == "[Acme] Scheduled maintenance: Databaseoppgradering"
    assert "Scheduled for Jan 10, 2031 22:00 CET - Jan 11, 2031 00:00 CET" in en.text


def test_a_later_update_email_says_its_status_in_norwegian(app: Flask, factory: Factory) -> None:
    incident = factory.incident(name="Treg innlogging")
    update = post_update(incident, UpdateInput(status="resolved", body="Løst."), None)
    email_nb = messages.render_email(event_for(incident, update), "nb-NO")
    assert email_nb.subject == "[Acme] Treg innlogging: Løst"


# --- the catalogs -------------------------------------------------------------------------


def _public_msgids() -> dict[str | tuple[str, ...], set[str]]:
    """Every msgid the public pages and the messages use, with the files that use it."""
    found: dict[str | tuple[str, ...], set[str]] = {}
    for pattern in PUBLIC_SOURCES:
        paths = sorted(ROOT.glob(pattern))
        assert paths, f"{pattern} matches no file: moved? (the check would skip its strings)"
        for path in paths:
            method = "python" if path.suffix == ".py" else "jinja2.ext:babel_extract"
            for _line, message, _comments, _context in extract_from_file(
                    method, str(path), keywords=KEYWORDS):
                key = message if isinstance(message, str) else tuple(message)
                found.setdefault(key, set()).add(str(Path(path).relative_to(ROOT)))
    return found


def test_every_public_and_message_string_has_a_norwegian_translation() -> None:
    with PO.open("rb") as f:
        catalog = read_po(f)
    used = _public_msgids()
    assert len(used) > 150  # the extraction found the strings (a broken pattern finds none)
    problems = []
    for msgid, files in sorted(used.items(), key=str):
        key = msgid if isinstance(msgid, str) else msgid[0]
        message = catalog.get(key)
        strings = (() if message is None else
                   message.string if isinstance(message.string, tuple) else (message.string,))
        if message is None or message.fuzzy or not all(strings):
            problems.append(f"{msgid!r} ({', '.join(sorted(files))})")
    assert not problems, "untranslated in nb (run `make translations`, then translate):\n" + \
        "\n".join(problems)


def test_compiled_catalog_matches_its_source() -> None:
    """The committed .mo is what compiling the .po gives: nobody forgot `make translations`."""
    with PO.open("rb") as f:
        source = read_po(f)
    compiled = io.BytesIO()
    write_mo(compiled, source)
    compiled.seek(0)
    with MO.open("rb") as f:
        committed = read_mo(f)
    expected = read_mo(compiled)

    def entries(catalog: Catalog) -> dict[object, object]:
        # Plural entries come back as lists; tuples make them comparable keys.
        def plain(value: object) -> object:
            return tuple(value) if isinstance(value, list | tuple) else value

        return {plain(m.id): plain(m.string) for m in catalog if m.id}

    assert entries(committed) == entries(expected)
