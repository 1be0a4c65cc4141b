"""Chat destinations in the fan-out: a stakeholder group's Slack and Teams channels and public
chat subscribers receive their updates through the real sender, over HTTP to the local fake
endpoints, which check every payload against the provider's documented rules."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from statuspage.core.extensions import db
from statuspage.incidents.lifecycle import IncidentInput, open_incident, post_update
from statuspage.incidents.updates import UpdateInput
from statuspage.models import Incident, Subscriber
from statuspage.models.plan import PUBLIC
from statuspage.plan import yaml_io
from statuspage.plan.stakeholder_members import MemberInput, add_member
from tests.chat_delivery_support import chat_ready, events_of, group_with_chats, public_chat
from tests.delivery_support import deliveries
from tests.factories import Factory
from tests.fakes.chat import FakeChat
from tests.stakeholder_support import delivered_by_audience, store_plan

# Every task run in-process must succeed (tests/conftest.py `errors`).
pytestmark = pytest.mark.usefixtures("errors")


def _quiet_incident(factory: Factory) -> Incident:
    """A SEV1 incident whose opening notified no one: only the next update counts."""
    return factory.incident(name="Checkout errors", severity="SEV1",
                            deliver_notifications=False)


def _post(incident: Incident, **update: Any) -> None:
    post_update(incident, UpdateInput(status="identified", body="The **database** failed over.",
                                      **update), None)


def _text(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False)


def test_a_groups_slack_and_teams_channels_get_an_internal_update_once(
    app: Flask, factory: Factory, fake_chat: FakeChat,
) -> None:
    chat_ready(app, fake_chat)
    slack, teams = (fake_chat.destination_url("slack", "ops"),
                    fake_chat.destination_url("teams", "ops"))
    group = group_with_chats("Engineering", ("#ops-incidents", slack), ("Ops (Teams)", teams))
    add_member(group, MemberInput("Ada", "ada@example.com"), None)  # chat only is routed
    store_plan({PUBLIC: ["email"], "Engineering": ["chat"]})
    public_chat("discord", fake_chat.destination_url("discord", "public"))
    incident = _quiet_incident(factory)

    _post(incident, visibility="internal")

    [event] = events_of(incident)[-1:]
    assert event.channels == [] and event.routes == {group.public_id: ["chat"]}
    assert delivered_by_audience(event.id) == {(group.public_id, "slack"): 1,
                                               (group.public_id, "teams"): 1}
    assert {d.state for d in deliveries(event.id)} == {"sent"}
    [to_slack], [to_teams] = fake_chat.messages(slack), fake_chat.messages(teams)
    assert len(fake_chat.messages()) == 2 and fake_chat.duplicates() == 0
    assert fake_chat.violations == 0
    for message in (to_slack, to_teams):
        shown = _text(message.payload)
        assert "[Internal] Checkout errors" in shown
        assert "Internal update — not public" in shown
        assert "https://status.example.com/internal/" in shown  # the group's own view
        assert "/unsubscribe/" not in shown and "/manage/" not in shown
        assert "stakeholder group" in shown
    assert to_slack.payload["blocks"] and to_teams.payload["type"] == "message"


def test_public_chat_subscribers_get_public_updates_with_their_own_links(
    app: Flask, factory: Factory, fake_chat: FakeChat,
) -> None:
    chat_ready(app, fake_chat)
    discord = fake_chat.destination_url("discord", "customer")
    gchat = fake_chat.destination_url("googlechat", "customer")
    subscriber = public_chat("discord", discord)
    public_chat("googlechat", gchat, language="nb")
    store_plan({PUBLIC: ["chat"]})
    incident = _quiet_incident(factory)

    _post(incident)
    _post(incident, visibility="internal")  # the public never hears this one

    [message] = fake_chat.messages(discord)
    shown = _text(message.payload)
    assert "Checkout errors" in shown and "Internal" not in shown
    assert "https://status.example.com/manage/" in shown
    assert "https://status.example.com/unsubscribe/" in shown
    assert "subscribed to" in shown
    [norwegian] = fake_chat.messages(gchat)
    assert norwegian.query.get("threadKey") == incident.public_id
    assert len(fake_chat.messages()) == 2 and fake_chat.violations == 0
    [event] = [e for e in events_of(incident) if e.channels]
    assert {d.subscriber_id: d.state for d in deliveries(event.id)}[subscriber.id] == "sent"
    assert db.session.get(Subscriber, subscriber.id).destination != discord  # sealed


def test_a_draft_awaiting_approval_reaches_the_groups_channel_at_once_with_its_link(
    app: Flask, client: FlaskClient, factory: Factory, fake_chat: FakeChat,
) -> None:
    chat_ready(app, fake_chat)
    slack = fake_chat.destination_url("slack", "execs")
    group_with_chats("Executives", ("#execs", slack))
    store_plan({PUBLIC: ["email", "chat"], "Executives": ["chat"]})
    yaml_io.import_yaml(yaml_io.export_yaml().replace("approval: false", "approval: true"),
                        None)
    public_chat("discord", fake_chat.destination_url("discord", "public"))
    author = factory.user(role="communicator")

    incident = open_incident(IncidentInput(
        name="Checkout errors", severity="SEV1",
        update=UpdateInput(status="investigating", body="Failing over the database.")), author)

    assert incident.updates[0].state == "draft"
    [message] = fake_chat.messages()  # the group's channel only: the public waits
    shown = _text(message.payload)
    assert "[Awaiting approval] Checkout errors" in shown
    assert "Public update awaiting approval" in shown and "Failing over" in shown
    # Its link opens the group's internal view of the incident, with no console account.
    link = re.search(r"https://status\.example\.com(/internal/[^\"|>\s]+)", shown)
    assert link is not None
    page = client.get(link[1])
    assert page.status_code == 200 and "Checkout errors" in page.get_data(as_text=True)
