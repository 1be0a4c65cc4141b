"""Personal data and secrets out of error reports: the text rules (core.scrub) and the event
scrubber (core.error_events) on event dicts shaped as sentry-sdk builds them."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from flask import Flask

from statuspage.core import tokens
from statuspage.core.error_events import scrub_event
from statuspage.core.scrub import EMAIL, PHONE, TOKEN, TOKEN_PATHS, scrub_text, scrub_url
from statuspage.plan import internal_links

WEBHOOK = "https://hooks.example.net/services/T0001/B0002/abcdefSECRETpath?sig=42"
SECRET = "Zq3v_k9Lr0XyPm2Wn8Ht5Bc1Dg7Fj4As6Qe0Ru9Ti3Oy"  # token_urlsafe(32)-shaped


@pytest.mark.parametrize("phone", [
    "+4791234567", "+47 912 34 567", "+1 (555) 123-4567", "+44 20 7946 0958",
    "+1.555.123.4567", "004791234567", "(555) 123-4567", "555-123-4567", "912 34 567",
    "5551234567",
])
def test_phone_numbers_in_common_forms_are_masked(phone: str) -> None:
    assert scrub_text(f"SMS to {phone} refused") == f"SMS to {PHONE} refused"


@pytest.mark.parametrize("text", [
    "delivery 42 failed after 3 tries", "at 2026-05-01 12:00:00 UTC", "took 1.2345678 s",
    "statuspage.delivery.send_email_chunk_task failed", "HTTP 503 from provider",
])
def test_ordinary_numbers_dates_and_module_names_are_kept(text: str) -> None:
    assert scrub_text(text) == text


def test_email_addresses_are_masked() -> None:
    assert scrub_text("bounce for Alice.Smith+status@mail.example.co.uk: full") == \
        f"bounce for {EMAIL}: full"


def test_signed_link_tokens_are_masked_anywhere(app: Flask) -> None:
    link = tokens.link_token("abcdefghijkl", 3)
    confirm = tokens.make_token(tokens.CONFIRM, "abcdefghijkl", 3)
    internal = internal_links.internal_url("mem123456789", "inc123456789").rsplit("/", 1)[1]
    for token in (link, confirm, internal):
        scrubbed = scrub_text(f"bad token {token} given")
        assert scrubbed == f"bad token {TOKEN} given", token


def test_token_paths_urls_webhooks_and_credentials_are_masked() -> None:
    text = (f"Exception on /manage/abc.1.x [POST]; /unsubscribe/tok123zz webhook {WEBHOOK} failed; "
            f"Authorization: Bearer sp_{SECRET}; secret={SECRET}; raw {SECRET}")
    scrubbed = scrub_text(text)
    assert "/manage/[token]" in scrubbed and "/unsubscribe/[token]" in scrubbed
    assert "https://hooks.example.net/[redacted]" in scrubbed
    for secret in (SECRET, "T0001", "abcdefSECRETpath", "tok123zz"):
        assert secret not in scrubbed


def test_a_slack_token_is_masked_wherever_it_turns_up() -> None:
    token = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp"
    for text in (f"SLACK_BOT_TOKEN={token} rejected", f"token {token} refused",
                 f"Authorization: Bearer {token}"):
        scrubbed = scrub_text(text)
        assert "AbCdEfGhIjKlMnOp" not in scrubbed and "0987654321" not in scrubbed, scrubbed


def test_sql_parameters_are_dropped() -> None:
    text = ("(psycopg.errors.UniqueViolation) duplicate key\n[SQL: INSERT INTO subscriber "
            "(email, phone) VALUES (%(email)s, %(phone)s)]\n[parameters: {'email': 'bob@x.io', "
            "'phone': '+15551234567', 'secret': 'zzz'}]")
    scrubbed = scrub_text(text)
    assert "[SQL: INSERT INTO subscriber" in scrubbed
    assert "bob@x.io" not in scrubbed and "zzz" not in scrubbed and "5551234567" not in scrubbed


def test_a_url_of_this_site_keeps_its_path_but_not_its_query_or_token() -> None:
    url = "https://status.example.com/subscribe/confirm/ey.abc.sig?email=a@b.io&token=x#top"
    assert scrub_url(url) == "https://status.example.com/subscribe/confirm/[token]"
    assert scrub_url("https://status.example.com/incidents/abc123") == \
        "https://status.example.com/incidents/abc123"


def test_every_token_route_of_the_app_is_a_token_path(app: Flask) -> None:
    token_rules = [rule.rule for rule in app.url_map.iter_rules() if "token" in rule.arguments]
    assert token_rules
    for rule in token_rules:
        assert any(rule.startswith(prefix + "<token>") for prefix in TOKEN_PATHS), rule


def _event() -> dict[str, Any]:
    frame = {"filename": "statuspage/delivery/send.py", "function": "send", "lineno": 10,
             "context_line": "    raise Refused(address)",
             "vars": {"address": "carol@example.org", "secret": SECRET}}
    return {
        "event_id": "a" * 32, "level": "error", "platform": "python",
        "timestamp": "2026-05-01T12:00:00.000000Z",
        "message": "could not send to carol@example.org",
        "logentry": {"message": "could not send to %s", "params": ["carol@example.org"],
                     "formatted": "could not send to carol@example.org"},
        "exception": {"values": [{"type": "Refused", "module": "statuspage.notify.base",
                                  "value": "refused +47 912 34 567 at " + WEBHOOK,
                                  "stacktrace": {"frames": [frame]}}]},
        "threads": {"values": [{"stacktrace": {"frames": [copy.deepcopy(frame)]}}]},
        "breadcrumbs": {"values": [
            {"category": "httplib", "data": {"url": WEBHOOK, "http.query": "sig=42"}},
            {"category": "statuspage", "message": "signed up carol@example.org",
             "data": {"signature": "abc"}}]},
        "request": {"method": "POST", "url": "http://localhost/manage/ab.1.cd?e=carol@example.org",
                    "query_string": "e=carol@example.org", "data": {"email": "carol@example.org"},
                    "cookies": {"session": "s3cr3t"}, "env": {"REMOTE_ADDR": "203.0.113.9"},
                    "headers": {"Authorization": "Bearer sp_x", "Cookie": "session=s3cr3t",
                                "User-Agent": "curl/8", "Referer": WEBHOOK,
                                "X-Twilio-Signature": "sig", "X-Forwarded-For": "203.0.113.9"}},
        "user": {"email": "carol@example.org", "ip_address": "203.0.113.9"},
        "extra": {"sys.argv": ["flask", "export", "carol@example.org"], "api_key": "k"},
        "tags": {"to": "+4791234567"},
        "contexts": {"trace": {"trace_id": "b" * 32, "span_id": "c" * 16},
                     "runtime": {"name": "CPython", "version": "3.11.9"},
                     "delivery": {"to": "carol@example.org"}},
    }


def test_scrubbed_event_holds_no_personal_data_or_secret() -> None:
    scrubbed = json.dumps(scrub_event(_event()))
    for leaked in ("carol", "example.org", "912 34 567", "4791234567", SECRET, "s3cr3t",
                   "sp_x", "203.0.113.9", "services/T0001", "sig=42", "ab.1.cd"):
        assert leaked not in scrubbed, leaked


def test_scrubbed_event_keeps_what_finds_the_bug() -> None:
    event = scrub_event(_event())
    exception = event["exception"]["values"][0]
    assert exception["type"] == "Refused"
    assert exception["value"] == "refused [phone] at https://hooks.example.net/[redacted]"
    frame = exception["stacktrace"]["frames"][0]
    assert frame["function"] == "send" and frame["lineno"] == 10 and "vars" not in frame
    assert event["request"] == {"method": "POST", "url": "http://localhost/manage/[token]",
                                "headers": {"User-Agent": "curl/8",
                                            "Referer": "https://hooks.example.net/[redacted]"}}
    assert "user" not in event
    assert event["logentry"]["formatted"] == "could not send to [email]"
    assert event["breadcrumbs"]["values"][1]["data"] == {"signature": "[redacted]"}
    assert event["extra"]["api_key"] == "[redacted]"
    assert event["contexts"]["trace"] == {"trace_id": "b" * 32, "span_id": "c" * 16}
    assert event["timestamp"] == "2026-05-01T12:00:00.000000Z"
