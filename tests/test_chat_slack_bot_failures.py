"""A group's Slack channels reached with the bot token, when Slack says no: a channel the bot
left is suppressed like a gone webhook; a refused token (or none) fails the messages but keeps
every channel, and the group's page says why; the token never reaches a page or a log."""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient

from statuspage.core.extensions import db
from statuspage.core.logging_setup import PlainFormatter
from statuspage.incidents.lifecycle import post_update
from statuspage.incidents.updates import UpdateInput
from statuspage.models import Incident, IncidentUpdate, StakeholderGroup, Subscriber
from statuspage.tasks.queues import huey
from tests.chat_delivery_support import bot_ready, group_with_bot_channel
from tests.console.conftest_content import as_role
from tests.delivery_support import deliveries
from tests.factories import Factory
from tests.fakes.chat import FakeChat
from tests.stakeholder_support import store_plan

pytestmark = pytest.mark.usefixtures("errors")
OPS, EXECS = "C0OPS00001", "C0EXECS001"


@pytest.fixture(autouse=True)
def _no_scheduled_tasks() -> None:
    huey.flush()


def _post(incident: Incident, body: str = "The database failed over.") -> IncidentUpdate:
    return post_update(incident, UpdateInput(status="identified", body=body,
                                             visibility="internal"), None)


def _setup(app: Flask, fake: FakeChat, factory: Factory) -> tuple[StakeholderGroup, Incident]:
    bot_ready(app, fake)
    fake.slack_api.channel(OPS)
    fake.slack_api.channel(EXECS)
    group = group_with_bot_channel("Engineering", ("#ops", OPS), ("#execs", EXECS))
    store_plan({"Engineering": ["chat"]})
    return group, factory.incident(name="Checkout errors", severity="SEV1",
                                   deliver_notifications=False)


def _rows() -> list[Subscriber]:
    db.session.expire_all()
    return list(db.session.query(Subscriber).filter(Subscriber.channel == "slack")
                .order_by(Subscriber.id))


def _page(client: FlaskClient, factory: Factory, group: StakeholderGroup) -> str:
    as_role(client, factory, "viewer")
    return client.get(f"/console/stakeholders/{group.public_id}").get_data(as_text=True)


@pytest.mark.parametrize("gone", ["not_in_channel", "is_archived", "channel_not_found"])
def test_a_channel_the_bot_cannot_post_in_is_suppressed_and_shown_gone(
    app: Flask, client: FlaskClient, factory: Factory, fake_chat: FakeChat, gone: str,
) -> None:
    group, incident = _setup(app, fake_chat, factory)
    if gone == "not_in_channel":
        fake_chat.slack_api.channel(OPS, member=False)
    elif gone == "is_archived":
        fake_chat.slack_api.archive(OPS)
    else:
        fake_chat.slack_api.reset()  # the workspace no longer has it
        fake_chat.slack_api.channel(EXECS)

    _post(incident)
    _post(incident, "Second update.")  # reaches #execs only

    assert {d.error_code for d in deliveries() if d.state == "failed"} == {gone}
    ops, execs = _rows()
    assert (ops.state, ops.suppression_reason) == ("suppressed", "destination_gone")
    assert execs.state == "active"
    assert [p.channel for p in fake_chat.slack_api.posts()] == [EXECS, EXECS]
    page = _page(client, factory, group)
    assert page.count("Destination gone") == 1
    assert "the bot cannot post in this channel" in page


def test_a_revoked_token_fails_the_messages_but_keeps_every_channel(
    app: Flask, client: FlaskClient, factory: Factory, fake_chat: FakeChat,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    group, incident = _setup(app, fake_chat, factory)
    fake_chat.slack_api.revoke()

    _post(incident)

    assert {(d.state, d.error_code) for d in deliveries()} == {("failed", "token_revoked")}
    assert all("SLACK_BOT_TOKEN" in (d.last_error or "") for d in deliveries())
    assert {(r.state, r.suppression_reason) for r in _rows()} == {("active", None)}
    page = _page(client, factory, group)
    assert 'id="slack-token-problem"' in page and "Slack refused the bot token" in page
    assert page.count("Bot token refused") == 2 and "Destination gone" not in page
    token = fake_chat.slack_api.token
    logged = "\n".join(PlainFormatter().format(record) for record in caplog.records)
    assert token not in page and token not in logged
    assert token.split("-", 1)[1] not in logged

    # A working token again: the next update reaches both channels, each starting its thread.
    fake_chat.slack_api.revoked = False
    _post(incident, "Fixed.")
    assert sorted(p.channel for p in fake_chat.slack_api.posts()) == [EXECS, OPS]
    assert "slack-token-problem" not in _page(client, factory, group)


def test_without_the_token_a_bot_channel_fails_and_is_kept(
    app: Flask, client: FlaskClient, factory: Factory, fake_chat: FakeChat,
) -> None:
    group, incident = _setup(app, fake_chat, factory)
    app.config.update(SLACK_BOT_TOKEN=None)

    _post(incident)

    assert {(d.state, d.error_code) for d in deliveries()} == {("failed", "no_bot_token")}
    assert {r.state for r in _rows()} == {"active"}
    assert fake_chat.requests == []
    page = _page(client, factory, group)
    assert "SLACK_BOT_TOKEN is not set" in page and page.count("Needs SLACK_BOT_TOKEN") == 2
