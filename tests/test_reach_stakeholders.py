"""Reach of stakeholder groups: per group and channel, counted as the fan-out delivers."""

from __future__ import annotations

from flask import Flask

from statuspage.core.extensions import db
from statuspage.models.plan import PUBLIC
from statuspage.plan.reach import ReachLine, reach
from statuspage.plan.stakeholder_members import MemberInput
from tests.delivery_support import add_subscribers
from tests.factories import Factory
from tests.stakeholder_support import group_with, stakeholder_rows, store_plan


def _lines(result: list[ReachLine]) -> list[tuple[str, str, int]]:
    return [(line.label, line.channel, line.recipients) for line in result]


def _groups(app: Flask) -> None:
    group_with("Support", MemberInput("Dee", "dee@example.com"))
    group_with("Executives", MemberInput("Ada", "ada@example.com", "+12025550143"),
               MemberInput("Bob", "bob@example.com"), MemberInput("Cy", phone="+12025550144"))


def test_a_public_update_lists_the_public_then_each_group_by_name(
    app: Flask, factory: Factory,
) -> None:
    _groups(app)
    store_plan({PUBLIC: ["email"], "Support": ["email"], "Executives": ["email", "sms"]})
    add_subscribers(3)

    result = reach(factory.incident(severity="SEV1"), "identified", [])

    assert _lines(result) == [
        ("Public subscribers", "email", 3), ("Executives", "email", 2),
        ("Executives", "sms", 2), ("Support", "email", 1)]
    assert result[1].audience != PUBLIC


def test_an_internal_update_reaches_only_the_groups(app: Flask, factory: Factory) -> None:
    _groups(app)
    store_plan({PUBLIC: ["email", "sms"], "Executives": ["sms"]})
    add_subscribers(3)
    incident = factory.incident(severity="SEV1")

    assert _lines(reach(incident, "identified", [], visibility="internal")) == [
        ("Executives", "sms", 2)]
    assert reach(incident, "identified", [], visibility="internal", deliver=False) == []
    assert reach(incident, "identified", [], deliver=False) == []


def test_suppressed_member_addresses_are_not_counted(app: Flask, factory: Factory) -> None:
    _groups(app)
    store_plan({"Executives": ["email"]})
    bounced = next(r for r in stakeholder_rows() if r.address == "bob@example.com")
    bounced.suppressed_at, bounced.suppression_reason = bounced.created_at, "bounce"
    db.session.commit()

    assert _lines(reach(None, "investigating", [], severity="SEV1")) == [
        ("Executives", "email", 1)]


def test_a_closed_public_channel_does_not_close_it_for_members(
    app: Flask, factory: Factory,
) -> None:
    from statuspage.page.record import get_page

    _groups(app)
    store_plan({PUBLIC: ["sms"], "Executives": ["sms"]})
    add_subscribers(2, "sms")
    get_page().allow_sms_subscribers = False  # closes public sign-ups by SMS
    db.session.commit()

    assert _lines(reach(None, "investigating", [], severity="SEV1")) == [
        ("Executives", "sms", 2)]
