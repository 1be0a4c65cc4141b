"""Reach: the plan's public channels, open on the page, counted over active subscribers."""

from __future__ import annotations

from flask import Flask

from statuspage.core.extensions import db
from statuspage.page.record import get_page
from statuspage.plan.reach import ReachLine, reach
from tests.delivery_support import add_subscribers
from tests.factories import Factory


def _lines(result: list[ReachLine]) -> dict[str, int]:
    return {line.channel: line.recipients for line in result}


def test_a_new_sev1_incident_reaches_email_sms_and_webhook_under_the_default_plan(
    app: Flask, factory: Factory
) -> None:
    add_subscribers(3)
    add_subscribers(2, "sms")
    add_subscribers(4, "webhook")
    add_subscribers(5, state="unconfirmed", start=10)

    result = reach(None, "investigating", [], severity="SEV1")

    assert all(line.audience == "public" for line in result)
    assert _lines(result) == {"email": 3, "sms": 2, "webhook": 4, "chat": 0}


def test_a_sev4_incident_reaches_no_one_under_the_default_plan(
    app: Flask, factory: Factory
) -> None:
    add_subscribers(3)
    incident = factory.incident(severity="SEV4")

    assert reach(incident, "identified", []) == []


def test_internal_updates_and_updates_without_notifications_reach_no_one(
    app: Flask, factory: Factory
) -> None:
    add_subscribers(3)
    incident = factory.incident(severity="SEV1")

    assert _lines(reach(incident, "identified", [])) == {"email": 3, "webhook": 0, "chat": 0}
    assert reach(incident, "identified", [], visibility="internal") == []
    assert reach(incident, "identified", [], deliver=False) == []


def test_a_channel_the_page_has_closed_is_left_out(app: Flask, factory: Factory) -> None:
    add_subscribers(2, "sms")
    get_page().allow_sms_subscribers = False
    db.session.commit()

    assert _lines(reach(None, "investigating", [], severity="SEV1")) == {
        "email": 0, "webhook": 0, "chat": 0}


def test_component_subscribers_count_only_for_their_components_or_group(
    app: Flask, factory: Factory
) -> None:
    group = factory.group("Backend")
    api = factory.component("API", group=group)
    web = factory.component("Web")
    add_subscribers(2, components=[api], start=0)
    add_subscribers(3, components=[web], start=10)
    add_subscribers(1, start=20)  # follows everything
    add_subscribers(4, components=[group], start=30)

    result = _lines(reach(None, "investigating", [api.id], severity="SEV1"))

    assert result["email"] == 2 + 1 + 4  # API's, everything's and the group's; not Web's
