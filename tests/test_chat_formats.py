"""Chat messages of real incidents and events, in each provider's format: what they show,
within each provider's documented rules (every render is checked by tests/chat_rules.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask

from statuspage.core.extensions import db
from statuspage.messages.chat import (
    chat_confirmation_notice,
    chat_notice,
    render_chat,
    render_chat_confirmation,
)
from statuspage.messages.chat.notice import MAINTENANCE
from statuspage.models import FanoutEvent, Subscriber
from statuspage.models.subscribers import CHAT_CHANNELS, DISCORD
from tests.chat_support import (
    MANAGE,
    UNSUBSCRIBE,
    headline,
    notice_for,
    outage,
    render_all,
    shown,
)
from tests.factories import Factory
from tests.notify.events import event_for


def test_each_format_shows_title_status_severity_components_body_and_links(
        app: Flask, factory: Factory) -> None:
    incident, _ = outage(factory)
    notice = notice_for(incident)
    for provider, payload in render_all(notice).items():
        text = shown(payload)
        assert headline(provider, payload) == "API errors", provider
        for seen in ("Investigating", "Critical (SEV1)", "Affected components", "API",
                     "Operational → Major Outage", "fails for some customers",
                     f"https://status.example.com/incidents/{incident.public_id}",
                     MANAGE, UNSUBSCRIBE, "View incident details", "Unsubscribe"):
            assert seen in text, (provider, seen)
        assert "Website" not in text, provider  # not affected by the update
    slack = render_all(notice)["slack"]
    assert "The *API* fails" in shown(slack) and "**API**" not in shown(slack)  # as mrkdwn


def test_messages_about_one_incident_share_its_thread(app: Flask, factory: Factory) -> None:
    incident, _ = outage(factory)
    first = notice_for(incident)
    later = notice_for(incident, status="identified", body="Found it.")
    for notice in (first, later):
        for provider in CHAT_CHANNELS:
            assert render_chat(provider, notice).thread_key == incident.public_id
        payload = render_chat("googlechat", notice).payload
        assert payload["thread"] == {"threadKey": incident.public_id}


def test_an_update_without_changes_shows_the_components_as_they_are(
        app: Flask, factory: Factory) -> None:
    incident, _ = outage(factory)
    notice = notice_for(incident, status="monitoring", body="A fix is out.")
    assert [tuple(c) for c in notice.components] == [
        ("API", "Major Outage", "Major Outage", False)]
    for provider, payload in render_all(notice).items():
        assert "Major Outage" in shown(payload), provider
        assert "→" not in shown(payload), provider


def test_an_internal_update_is_marked_internal_in_every_format(
        app: Flask, factory: Factory) -> None:
    incident, _ = outage(factory)
    notice = notice_for(incident, public=False, status="identified", visibility="internal",
                        body="Root cause: the primary database ran out of disk.")
    assert notice.internal
    payloads = render_all(notice)
    for provider, payload in payloads.items():
        text = shown(payload)
        assert headline(provider, payload).startswith("[Internal] API errors"), provider
        assert "Internal update — not public" in text, provider
        assert "stakeholder group" in text, provider
        assert MANAGE not in text and "Unsubscribe" not in text, provider
    assert payloads["slack"]["blocks"][0]["type"] == "context"  # the banner comes first
    first = payloads["teams"]["attachments"][0]["content"]["body"][0]
    assert first["type"] == "Container" and first["style"] == "attention"
    assert payloads["slack"]["text"].startswith("[Internal]")  # the notification says it too


def test_a_public_update_shows_no_internal_marker(app: Flask, factory: Factory) -> None:
    incident, _ = outage(factory)
    for provider, payload in render_all(notice_for(incident)).items():
        assert "[Internal]" not in shown(payload), provider
        assert "not public" not in shown(payload), provider


def test_norwegian_readers_get_norwegian_messages(app: Flask, factory: Factory) -> None:
    incident, _ = outage(factory)
    notice = notice_for(incident, "nb")
    for provider, payload in render_all(notice).items():
        text = shown(payload)
        for seen in ("Undersøker", "Kritisk (SEV1)", "Berørte komponenter",
                     "I drift → Større driftsavbrudd", "Se detaljer om hendelsen",
                     "Avslutt abonnement", "Hendelse"):
            assert seen in text, (provider, seen)
        assert "Investigating" not in text and "Affected components" not in text, provider


def test_a_stakeholder_destination_can_link_its_own_view(app: Flask, factory: Factory) -> None:
    incident, _ = outage(factory)
    internal = "https://status.example.com/internal/abc.def"
    notice = chat_notice(event_for(incident), "en", link=internal)
    for provider, payload in render_all(notice).items():
        assert internal in shown(payload), provider
        assert f"/incidents/{incident.public_id}" not in shown(payload), provider


def test_a_draft_notice_says_it_awaits_approval(app: Flask, factory: Factory) -> None:
    incident, _ = outage(factory)
    event = event_for(incident)
    event.detail = {"awaiting_approval": True}
    db.session.commit()
    notice = chat_notice(event, "en")
    for provider, payload in render_all(notice).items():
        assert headline(provider, payload).startswith("[Awaiting approval]"), provider
        assert "the public does not see this text" in shown(payload), provider


def test_a_maintenance_shows_its_window(app: Flask, factory: Factory) -> None:
    api = factory.component("API")
    maintenance = factory.maintenance(components=[api])
    notice = chat_notice(event_for(maintenance), "en", manage_url=MANAGE)
    assert notice.tone == MAINTENANCE and notice.severity_label == ""
    for provider, payload in render_all(notice).items():
        text = shown(payload)
        assert "Scheduled maintenance" in text and "View maintenance details" in text
        assert notice.schedule and notice.schedule in text, provider
    assert render_chat(DISCORD, notice).payload["embeds"][0]["color"] == 0x3498DB


def test_a_published_postmortem_links_to_it(app: Flask, factory: Factory) -> None:
    incident, _ = outage(factory)
    incident.postmortem_body = "## Summary\n\nA disk filled up; we now alert at 80%."
    db.session.commit()
    notice = chat_notice(event_for(incident, kind="postmortem_published"), "en")
    assert notice.incident_url.endswith("#postmortem")
    for provider, payload in render_all(notice).items():
        assert "Postmortem published" in shown(payload) and "A disk filled up" in shown(payload)
        assert "Read the postmortem" in shown(payload), provider


def test_a_component_update_shows_its_change(app: Flask, factory: Factory) -> None:
    api = factory.component("API")
    event = FanoutEvent(kind="component_update", channels=["slack"], component_ids=[api.id],
                        detail={"old_status": "operational", "new_status": "partial_outage",
                                "at": datetime(2026, 3, 1, 9, 30, tzinfo=UTC).isoformat(),
                                "component": {"id": api.public_id, "name": "API"}})
    db.session.add(event)
    db.session.commit()
    notice = chat_notice(event, "en", manage_url=MANAGE, unsubscribe_url=UNSUBSCRIBE)
    assert (notice.kind, notice.thread_key) == ("Component update", "")
    for provider, payload in render_all(notice).items():
        assert "Operational → Partial Outage" in shown(payload), provider
        assert "Mar 1, 2026" in shown(payload), provider


def test_the_confirmation_message_asks_to_confirm_and_names_the_components(
        app: Flask, factory: Factory) -> None:
    api = factory.component("API")
    subscriber = Subscriber(channel=DISCORD, address="https://discord.com/api/webhooks/1/x",
                            language="nb", components=[api])
    db.session.add(subscriber)
    db.session.commit()
    confirm = "https://status.example.com/subscriptions/confirm/tok-9"
    notice = chat_confirmation_notice(subscriber, confirm)
    for provider in CHAT_CHANNELS:
        payload = render_chat_confirmation(provider, notice).payload
        assert render_all(notice)[provider] == payload
        text = shown(payload)
        assert confirm in text and "Bekreft abonnementet" in text and "API" in text, provider
        assert "Acme" in text and "Avslutt abonnement" not in text, provider
    everything = Subscriber(channel=DISCORD, address="https://discord.com/api/webhooks/1/y")
    assert chat_confirmation_notice(everything, confirm).components[0].name == "All components"


def test_rendering_refuses_what_it_cannot_write(app: Flask, factory: Factory) -> None:
    incident, _ = outage(factory)
    notice = notice_for(incident)
    with pytest.raises(ValueError):
        render_chat("irc", notice)
    with pytest.raises(ValueError):
        render_chat_confirmation("slack", notice)  # an update is no confirmation
