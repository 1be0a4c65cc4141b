"""A member's addresses as fan-out recipients: kept in step with the member, never public."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from sqlalchemy import func, select

from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.incidents.lifecycle import post_update
from statuspage.incidents.updates import UpdateInput
from statuspage.models import Delivery, Subscriber
from statuspage.models.plan import PUBLIC
from statuspage.plan import stakeholder_members, stakeholders
from statuspage.plan.reach import reach
from statuspage.plan.stakeholder_members import MemberInput, update_member
from statuspage.subscriptions import subscribe as subscriptions
from statuspage.subscriptions.csv_export import export_csv
from statuspage.subscriptions.queries import SubscriberFilter, subscriber_query
from tests.delivery_support import add_subscribers
from tests.factories import Factory
from tests.stakeholder_support import group_with, stakeholder_rows, store_plan


def _rows() -> set[tuple[str, str, str]]:
    return {(row.channel, row.address, row.language) for row in stakeholder_rows()}


def test_adding_a_member_creates_a_confirmed_recipient_per_address(app: Flask) -> None:
    group_with("Executives", MemberInput("Ada", "ada@example.com", "+1 202 555 0143", "nb"),
               MemberInput("Cy", phone="+12025550144"))

    rows = stakeholder_rows()
    assert {(r.channel, r.address, r.language) for r in rows} == {
        ("email", "ada@example.com", "nb"), ("sms", "+12025550143", "nb"),
        ("sms", "+12025550144", "en")}
    assert all(r.is_active and r.consent_source == "stakeholder" for r in rows)


def test_editing_a_member_keeps_their_recipients_in_step(app: Flask) -> None:
    group = group_with("Executives", MemberInput("Ada", "ada@example.com", "+12025550143"))
    member = group.members[0]
    email_row = next(r for r in stakeholder_rows() if r.channel == "email")

    update_member(group, member.public_id,
                  MemberInput("Ada L.", "ada@new.example", "", "nb"), None)

    assert _rows() == {("email", "ada@new.example", "nb")}
    # A new address is a new recipient: the old one's bounce or deliveries do not carry over.
    assert db.session.get(Subscriber, email_row.id) is None

    update_member(group, member.public_id,
                  MemberInput("Ada L.", "ada@new.example", "+12025550143", "en"), None)
    assert _rows() == {("email", "ada@new.example", "en"), ("sms", "+12025550143", "en")}


def test_an_edit_that_takes_a_colleagues_address_is_refused(app: Flask) -> None:
    group = group_with("Executives", MemberInput("Ada", "ada@example.com"),
                       MemberInput("Bob", "bob@example.com"))
    bob = next(m for m in group.members if m.name == "Bob")

    with pytest.raises(DomainError):
        update_member(group, bob.public_id, MemberInput("Bob", "ADA@example.com"), None)

    assert _rows() == {("email", "ada@example.com", "en"), ("email", "bob@example.com", "en")}


def test_removing_a_member_or_group_removes_their_recipients_and_deliveries(
    app: Flask, factory: Factory,
) -> None:
    executives = group_with("Executives", MemberInput("Ada", "ada@example.com"),
                            MemberInput("Bob", "bob@example.com", "+12025550143"))
    group_with("Support", MemberInput("Dee", "dee@example.com"))
    store_plan({"Executives": ["email", "sms"]})
    incident = factory.incident(severity="SEV1", deliver_notifications=False)
    post_update(incident, UpdateInput(status="identified", body="x", visibility="internal"),
                None)
    assert db.session.scalar(select(func.count(Delivery.id))) == 3
    bob = next(m for m in executives.members if m.name == "Bob")

    stakeholder_members.remove_member(executives, bob.public_id, None)

    assert {r.address for r in stakeholder_rows()} == {"ada@example.com", "dee@example.com"}
    assert db.session.scalar(select(func.count(Delivery.id))) == 1

    stakeholders.delete_group(stakeholders.get_group(executives.public_id), None)

    assert {r.address for r in stakeholder_rows()} == {"dee@example.com"}
    assert db.session.scalar(select(func.count(Delivery.id))) == 0


def test_a_csv_import_creates_the_recipients_of_the_members_it_adds(app: Flask) -> None:
    group = group_with("Executives", MemberInput("Ada", "ada@example.com"))
    text = io.StringIO("name,email,phone,language\nAda,ada@example.com,,\n"
                       "Bob,bob@example.com,+12025550143,nb\nBad,bad@,,\n")

    report = stakeholder_members.import_members(group, text, None)

    assert (report.imported, report.already_members, report.error_count) == (1, 1, 1)
    assert _rows() == {("email", "ada@example.com", "en"), ("email", "bob@example.com", "nb"),
                       ("sms", "+12025550143", "nb")}


def test_stakeholder_rows_are_not_public_subscribers(app: Flask) -> None:
    group_with("Executives", MemberInput("Ada", "ada@example.com", "+12025550143"))
    add_subscribers(1)

    listed = db.session.execute(subscriber_query(SubscriberFilter())).scalars().all()
    assert [s.address for s in listed] == ["reader0@example.com"]
    assert db.session.execute(subscriber_query(SubscriberFilter(search="ada"))
                              ).scalars().all() == []
    exported = "".join(export_csv())
    assert "reader0@example.com" in exported and "ada@example.com" not in exported
    assert subscriptions.find_subscriber("email", "ada@example.com") is None
    assert subscriptions.find_subscriber("sms", "+12025550143") is None


def test_a_member_may_also_subscribe_publicly_with_the_same_address(app: Flask) -> None:
    group_with("Executives", MemberInput("Ada", "ada@example.com"))
    group_with("Support", MemberInput("Ada", "ada@example.com"))

    public = subscriptions.subscribe("email", "ada@example.com", [], "en", "192.0.2.1")

    assert public.stakeholder_member_id is None and public.state == "unconfirmed"
    assert subscriptions.find_subscriber("email", "ada@example.com") == public
    assert db.session.scalar(select(func.count(Subscriber.id)).where(
        Subscriber.address == "ada@example.com")) == 3
    store_plan({PUBLIC: ["email"], "Executives": ["email"]})
    # The public row is not confirmed yet, so Ada hears it as a member of Executives (once:
    # Support is not routed); the public audience never counts the members.
    lines = reach(None, "investigating", [], severity="SEV1")
    assert [(line.label, line.channel, line.recipients) for line in lines] == [
        ("Public subscribers", "email", 0), ("Executives", "email", 1)]
