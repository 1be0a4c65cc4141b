"""Incident SMS fitted to the budget: the title shortened before the body, cuts between words.

The property test renders many generated titles and bodies through the real renderer (unsaved
incidents, as the composer's preview does) and checks every message it gets.
"""

from __future__ import annotations

import random

import pytest
from flask import Flask

from statuspage.core import segments
from statuspage.messages import sms_fit
from statuspage.messages.context import EventContext
from statuspage.messages.sms import render_sms_for
from statuspage.models import Incident, IncidentUpdate, utcnow
from statuspage.page.record import get_page

LINK_BASE = "https://status.example.com/incidents/"
STOP = "Reply STOP to unsubscribe"
WORDS = ("API", "errors", "the", "database", "failover", "eu-west", "customers", "may", "see",
         "timeouts", "when", "saving", "changes,", "we", "are", "investigating.", "a",
         "replication", "lag", "of", "about", "ten", "minutes;", "next", "update", "in",
         "30", "min", "-", "intermittently", "authentication", "(SSO)", "Økonomi",
         "feilrate", "naïve", "Ж", "🚨", "load-balancer", "x")


def _sms(title: str, body: str, page: str = "Acme", notice: bool = False,
         sms_body: str | None = None, public_id: str = "abc123def456") -> str:
    get_page().name = page
    incident = Incident(name=title, severity="SEV2", kind="incident", public_id=public_id)
    update = IncidentUpdate(status="investigating", body=body, display_at=utcnow(),
                            public_id="u1", visibility="public", sms_body=sms_body)
    ctx = EventContext(page=get_page(), incident=incident, update=update,
                       base_url="https://status.example.com")
    return render_sms_for(ctx, "en", notice=notice).body


def _is_word_cut(shown: str, original: str) -> bool:
    """`shown` is `original`, nothing, or its first words (trailing punctuation dropped) + "..."."""
    if shown in (original, ""):
        return True
    if not shown.endswith(segments.ELLIPSIS):
        return False
    kept = shown.removesuffix(segments.ELLIPSIS).split(" ")
    words = original.split(" ")
    n = len(kept)
    return (n <= len(words) and kept[:-1] == words[:n - 1]
            and words[n - 1].rstrip(".,;:-") == kept[-1]
            and (n < len(words) or words[-1] != kept[-1]))


def _parts(message: str, page: str) -> tuple[str, str, str, list[str]]:
    """(title, body, link, the lines after the link) of an incident SMS."""
    lines = message.split("\n")
    link_at = next(i for i, line in enumerate(lines) if line.startswith(LINK_BASE))
    head = lines[0].removeprefix(f"{page}: ")
    title = head.rsplit(" - Investigating", 1)[0]
    body = "\n".join(lines[1:link_at])
    return title, body, lines[link_at], lines[link_at + 1:]


def _random_text(rng: random.Random, most_words: int, gsm_only: bool) -> str:
    words = [w for w in WORDS if not gsm_only or segments.is_gsm7(w)]
    return " ".join(rng.choice(words) for _ in range(rng.randint(1, most_words)))


@pytest.mark.parametrize("seed", range(4))
def test_every_cut_is_between_words_within_two_segments_with_the_link_whole(
        app: Flask, seed: int) -> None:
    rng = random.Random(seed)
    for case in range(60):
        gsm_only = rng.random() < 0.7
        title = _random_text(rng, 25, gsm_only)
        body = _random_text(rng, 80, gsm_only)
        page = rng.choice(["Acme", "Example Corporation Cloud Platform Status"])
        notice = rng.random() < 0.5
        message = _sms(title, body, page, notice=notice)
        shown_page = sms_fit.word_cut(page, 30)
        shown_title, shown_body, link, after = _parts(message, shown_page)
        where = f"case {seed}/{case}: {message!r}"

        assert segments.segment_count(message) <= 2, where
        assert link == LINK_BASE + "abc123def456", where
        assert _is_word_cut(shown_page, page), where
        assert _is_word_cut(shown_title, title), where
        assert _is_word_cut(shown_body, body), where
        if shown_body != body:  # the body is cut only once the title is as short as it gets
            shortest = sms_fit.word_cut(title, sms_fit.MIN_TITLE_UNITS)
            if shown_body:
                assert shown_title == shortest, where
            else:  # and only with the body gone does the title go below that
                assert len(shown_title) <= len(shortest), where
        if notice:
            assert after == [STOP], where


def test_a_long_title_is_shortened_so_the_body_stays_whole(app: Flask) -> None:
    title = ("Elevated error rates and latency across the API, the dashboard and webhooks "
             "in every region")
    body = "Card payments fail for some customers. Retry soon."

    message = _sms(title, body)

    shown_title, shown_body, _, _ = _parts(message, "Acme")
    assert shown_body == body
    assert shown_title.endswith("...") and _is_word_cut(shown_title, title)
    assert segments.segment_count(message) == 1


def test_a_long_body_is_cut_between_words_after_the_title_is_shortened(app: Flask) -> None:
    title = "Elevated error rates and latency across the API and the dashboard"
    body = ("We have identified a problem with the primary database cluster in the "
            "eu-west region and are failing over to the standby cluster. Customers may see "
            "errors when saving changes until the failover completes.")

    message = _sms(title, body)

    shown_title, shown_body, _, _ = _parts(message, "Acme")
    assert shown_title == "Elevated error rates and..."
    assert shown_body.endswith("...") and _is_word_cut(shown_body, body)
    assert segments.segment_count(message) == 1


def test_a_title_of_one_long_word_is_never_cut_inside_it(app: Flask) -> None:
    title = "Zahlungsverkehrsabwicklungsstörungsbehebungsmaßnahmen"
    message = _sms(title, "We are on it. " * 20)

    shown_title, shown_body, _, _ = _parts(message, "Acme")
    assert shown_title == title
    assert _is_word_cut(shown_body, ("We are on it. " * 20).strip())
    assert segments.segment_count(message) <= 2


def test_the_sms_text_chosen_in_the_composer_is_sent_with_page_name_and_link(
        app: Flask) -> None:
    message = _sms("Checkout errors", "A long **markdown** body " * 10,
                   sms_body="Card payments fail; we are on it. Next update by 14:30 UTC.")

    assert message == ("Acme: Card payments fail; we are on it. Next update by 14:30 UTC.\n"
                       f"{LINK_BASE}abc123def456\n{STOP}")


def test_an_sms_text_naming_the_page_is_not_prefixed_again(app: Flask) -> None:
    message = _sms("Checkout errors", "Body.", sms_body="Acme: checkout errors identified.")

    assert message.startswith("Acme: checkout errors identified.\n")


def test_a_long_sms_text_uses_two_segments_and_is_cut_between_words_only_beyond(
        app: Flask) -> None:
    wording = ("Card payments fail for some customers in every region while we fail over "
               "to the standby database cluster; orders already placed are safe and will "
               "be processed. Next update by 14:30 UTC. ") * 2

    message = _sms("Checkout errors", "Body.", sms_body=wording)

    shown = message.split("\n")[0].removeprefix("Acme: ")
    assert segments.segment_count(message) == 2
    assert shown.endswith("...") and _is_word_cut(shown, wording.strip())
    assert message.split("\n")[1] == f"{LINK_BASE}abc123def456"
