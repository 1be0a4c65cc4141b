"""Incident SMS: one GSM-7 segment where possible, never more than two, link always whole."""

from __future__ import annotations

from flask import Flask

from statuspage.core import segments
from statuspage.messages import build as messages
from statuspage.page.record import get_page
from tests.factories import Factory
from tests.notify.events import event_for

LONG = ("We have identified a problem with the primary database cluster in the eu-west region "
        "and are failing over to the standby cluster. Customers may see errors when saving "
        "changes until the failover completes. We will post another update in 30 minutes.")


def _sms(factory: Factory, **incident: str) -> tuple[str, str]:
    created = factory.incident(**incident)
    body = messages.render_sms(event_for(created), "en").body
    return body, f"https://status.example.com/incidents/{created.public_id}"


def test_a_short_update_fits_one_segment_with_the_stop_notice(
        app: Flask, factory: Factory) -> None:
    body, link = _sms(factory, name="API errors", body="Investigating.")
    assert body == f"Acme: API errors - Investigating\nInvestigating.\n{link}\n" \
                   "Reply STOP to unsubscribe"
    assert segments.analyse(body) == segments.SegmentInfo("GSM-7", len(body), 1)


def test_a_long_body_is_cut_to_one_segment_and_keeps_the_link(
        app: Flask, factory: Factory) -> None:
    body, link = _sms(factory, name="Database failover", body=LONG)
    assert segments.segment_count(body) == 1
    assert body.endswith(link)
    assert "..." in body
    assert "Reply STOP" not in body  # no room left in the one segment


def test_a_long_title_and_body_stay_within_two_segments(app: Flask, factory: Factory) -> None:
    get_page().name = "Example Corporation Cloud Platform Status"
    body, link = _sms(factory, name="Elevated error rates and latency across the API, dashboard "
                                    "and webhooks in all regions", body=LONG)
    assert segments.segment_count(body) <= 2
    assert link in body


def test_non_gsm_text_stays_within_two_ucs2_segments(app: Flask, factory: Factory) -> None:
    body, link = _sms(factory, name="Betalingsfeil 🚨", body="Vi undersøker feil ved betaling. "
                                                          "Всё сломалось. " * 8)
    info = segments.analyse(body)
    assert info.encoding == "UCS-2"
    assert info.segments <= 2
    assert body.endswith(link)


def test_curly_quotes_and_dashes_do_not_make_the_sms_ucs2(app: Flask, factory: Factory) -> None:
    body, _ = _sms(factory, name="“Login” issues", body="We\u2019re on it \u2014 more soon\u2026")
    assert segments.encoding(body) == "GSM-7"
    assert "\"Login\" issues" in body and "We're on it - more soon..." in body


def test_markdown_is_stripped_from_the_sms(app: Flask, factory: Factory) -> None:
    body, _ = _sms(factory, body="**Fixed** in [v2](https://example.com) & deployed")
    assert "Fixed in v2 & deployed" in body


def test_confirmation_sms_is_one_gsm_segment_with_code_and_stop(app: Flask) -> None:
    body = messages.render_confirmation_sms("493817").body
    assert "493817" in body and "STOP" in body
    assert segments.analyse(body).segments == 1
    assert segments.encoding(body) == "GSM-7"
