"""One person's data on request: everything held, exported as JSON; then erased everywhere,
with the opt-out still holding and audit entries that never hold the address in clear."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from sqlalchemy import select

from statuspage import audit
from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.models import (
    AuditEntry,
    OutboxMessage,
    StakeholderGroup,
    StakeholderMember,
    Subscriber,
    SubscriberImport,
)
from statuspage.plan.stakeholder_recipients import sync_recipients
from statuspage.privacy.erase import erase_person
from statuspage.privacy.export import export_person
from statuspage.privacy.person import person
from statuspage.subscriptions import subscribe as subscriptions
from statuspage.subscriptions.links import manage_path
from tests.console.subscriber_helpers import make_subscriber
from tests.factories import Factory
from tests.privacy_support import NOW, delivery, event_at, where_text_is
from tests.subscription_support import NO_MOBILE, outbox, reloaded

ADDRESS = "jane.doe@example.com"


def _jane(factory: Factory) -> Subscriber:
    """Jane: subscribed with a component, told twice, added by staff, in a stakeholder group
    (with a phone), named in an import's report and in the dev outbox."""
    api = factory.component("API")
    jane = make_subscriber(ADDRESS, components=[api], consent_ip="198.51.100.23",
                           consent_note="Asked at the booth")
    event = event_at(NOW)
    delivery(event, jane, "delivered")
    delivery(event_at(NOW), jane, "failed", error_code="550",
             last_error=f"SendGrid bounce: 550 {ADDRESS} mailbox full")
    audit.record(None, "subscriber.add", "subscriber", jane.public_id, channel="email",
                 address=ADDRESS)
    group = StakeholderGroup(name="Executives")
    member = StakeholderMember(group=group, name="Jane Doe", email=ADDRESS, phone=NO_MOBILE)
    db.session.add_all([group, member])
    db.session.flush()
    sync_recipients(member)
    db.session.add_all([
        OutboxMessage(channel="email", to=ADDRESS, subject="Confirm", body="Please confirm"),
        SubscriberImport(filename="list.csv", state="done", errors=[[3, f"{ADDRESS}: again"]]),
    ])
    db.session.commit()
    return jane


def test_an_email_address_is_read_as_sign_up_reads_it(app: Flask) -> None:
    assert person(" Jane.Doe@Example.COM ").address == ADDRESS
    assert person("+47 406 12 345").address == NO_MOBILE
    assert person("https://hooks.example.com/x").channel == "webhook"
    with pytest.raises(DomainError):
        person("not an address")


def test_the_export_holds_everything_about_them(app: Flask, factory: Factory) -> None:
    jane = _jane(factory)
    admin = factory.user("admin")

    document = json.loads(json.dumps(export_person(person(ADDRESS), admin)))

    sub = document["subscription"]
    assert (sub["id"], sub["address"], sub["state"], sub["components"]) == (
        jane.public_id, ADDRESS, "active", ["API"])
    assert sub["consent"]["ip"] == "198.51.100.23"
    assert sub["consent"]["note"] == "Asked at the booth"
    assert sorted(d["state"] for d in document["deliveries"]) == ["delivered", "failed"]
    assert {d["subscription"] for d in document["deliveries"]} == {jane.public_id}
    assert [(m["group"], m["name"], m["phone"]) for m in document["stakeholder_memberships"]
            ] == [("Executives", "Jane Doe", NO_MOBILE)]
    assert [m["subject"] for m in document["dev_outbox_messages"]] == ["Confirm"]
    assert [e["action"] for e in document["audit_entries"]] == ["subscriber.add"]
    entry = db.session.execute(select(AuditEntry).where(
        AuditEntry.action == "privacy.export")).scalar_one()
    assert (entry.actor_id, entry.target_type) == (admin.id, "person")
    assert entry.details["address"] == "j***@e***.com"
    assert ADDRESS not in json.dumps(entry.details) + entry.target_id


def test_erasure_takes_the_address_out_of_every_table(app: Flask, factory: Factory) -> None:
    jane = _jane(factory)
    admin = factory.user("admin")
    assert where_text_is(ADDRESS) != []
    link = manage_path(jane)
    assert app.test_client().get(link).status_code == 200

    done = erase_person(person(ADDRESS), admin)

    assert (done.subscription, done.erased, done.memberships) == ("active", True, 1)
    assert where_text_is(ADDRESS) == []
    assert where_text_is(NO_MOBILE) == []  # the member's phone went with the member
    assert where_text_is("Jane Doe") == []
    assert where_text_is("198.51.100.23") == []
    assert where_text_is("Asked at the booth") == []
    erased = reloaded(jane)
    assert (erased.state, erased.suppression_reason, erased.components) == (
        "unsubscribed", "user", [])
    entry = db.session.execute(select(AuditEntry).where(
        AuditEntry.action == "privacy.erase")).scalar_one()
    assert (entry.actor_id, entry.details["address"], entry.details["subscription"]) == (
        admin.id, "j***@e***.com", "active")
    assert app.test_client().get(link).status_code == 400  # links sent before: dead
    # Sign-up still works for them, as for anyone who unsubscribed: a new double opt-in.
    subscriptions.subscribe("email", ADDRESS, [], "en", None)
    assert reloaded(jane).state == "unconfirmed" and len(outbox(to=ADDRESS)) == 1


def test_erasing_twice_or_someone_unknown_is_audited_and_harmless(
        app: Flask, factory: Factory) -> None:
    _jane(factory)
    erase_person(person(ADDRESS), None)

    again = erase_person(person(ADDRESS), None)
    nobody = erase_person(person("nobody@example.com"), None)

    assert (again.erased, again.subscription) == (False, "unsubscribed")
    assert (nobody.erased, nobody.subscription) == (False, None)
    assert db.session.execute(select(AuditEntry.action).where(
        AuditEntry.action == "privacy.erase")).scalars().all() == ["privacy.erase"] * 3
    assert where_text_is("nobody@example.com") == []


def test_the_cli_exports_and_erases_one_subscriber(app: Flask, factory: Factory) -> None:
    _jane(factory)
    runner = app.test_cli_runner()

    exported = runner.invoke(args=["subscriber", "export", "JANE.DOE@example.com"])
    assert exported.exit_code == 0, exported.output
    assert json.loads(exported.output)["subscription"]["address"] == ADDRESS

    refused = runner.invoke(args=["subscriber", "erase", ADDRESS], input="n\n")
    assert refused.exit_code == 1 and where_text_is(ADDRESS) != []
    erased = runner.invoke(args=["subscriber", "erase", ADDRESS, "--yes"])
    assert erased.exit_code == 0, erased.output
    assert "Erased j***@e***.com" in erased.output
    assert where_text_is(ADDRESS) == []
    actors = db.session.execute(select(AuditEntry.actor_label).where(
        AuditEntry.action.in_(["privacy.export", "privacy.erase"]))).scalars().all()
    assert actors == ["cli", "cli"]
