"""A group's Slack channel reached with the bot token, in the console: offered only with
SLACK_BOT_TOKEN, added by channel id (checked, shown whole), changed and brought back like a
webhook, refused with the reason next to the field; communicators only, with CSRF."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from statuspage.core.extensions import db
from statuspage.core.sealing import unseal
from statuspage.models import AuditEntry, StakeholderMember, Subscriber, utcnow
from statuspage.plan.reach import reach
from statuspage.plan.stakeholders import create_group
from tests.chat_delivery_support import group_with_bot_channel
from tests.conftest import make_app
from tests.console.conftest import LoginHelper
from tests.factories import Factory
from tests.stakeholder_support import store_plan

TOKEN = "xoxb-1234567890-0987654321-ConsoleTestToken"
SLACK = "https://hooks.slack.com/services/T0123ABCD/B0456EFGH/abcdefghijklmnopqrstuvwx"


@pytest.fixture
def bot(app: Flask) -> None:
    app.config.update(SLACK_BOT_TOKEN=TOKEN)


def _rows() -> list[Subscriber]:
    db.session.expire_all()
    return list(db.session.query(Subscriber).filter(Subscriber.channel == "slack")
                .order_by(Subscriber.id))


def _add(client: FlaskClient, group_id: str, **fields: str) -> tuple[int, str]:
    response = client.post(f"/console/stakeholders/{group_id}/chat",
                           data={"form": "chat", "name": "#ops", "language": "en", **fields})
    return response.status_code, response.get_data(as_text=True)


def test_the_bot_choice_is_offered_only_with_the_token(
    app: Flask, client: FlaskClient, login: LoginHelper,
) -> None:
    login(client, role="communicator")
    group = create_group("Engineering", "", None)
    page = f"/console/stakeholders/{group.public_id}"
    html = client.get(page).get_data(as_text=True)
    assert "Slack channel (bot)" not in html and 'name="channel"' not in html
    app.config.update(SLACK_BOT_TOKEN=TOKEN)
    html = client.get(page).get_data(as_text=True)
    assert '<option value="slack_bot">Slack channel (bot)</option>' in html
    assert 'name="channel"' in html and TOKEN not in html


@pytest.mark.usefixtures("bot")
def test_a_communicator_adds_a_slack_channel_by_its_id(
    client: FlaskClient, login: LoginHelper, factory: Factory,
) -> None:
    login(client, role="communicator")
    group = create_group("Engineering", "", None)

    status, _html = _add(client, group.public_id, provider="slack_bot", channel=" c0123abcd ")
    assert status == 303
    # With no provider chosen, a channel id and no URL mean the bot too.
    assert _add(client, group.public_id, name="#execs", channel="C0EXECS001")[0] == 303

    html = client.get(f"/console/stakeholders/{group.public_id}").get_data(as_text=True)
    assert "Slack channel C0123ABCD (bot)" in html and "Slack channel C0EXECS001 (bot)" in html
    rows = _rows()
    assert [unseal(r.destination or "") for r in rows] == [
        "slack-channel:C0123ABCD", "slack-channel:C0EXECS001"]
    assert all(r.is_active and r.is_stakeholder for r in rows)
    audit = db.session.query(AuditEntry).filter_by(action="stakeholder_chat.create").first()
    assert audit is not None and "C0123ABCD" in str(audit.details)
    # The reach counts it as a Slack destination, and names the provider as people do.
    store_plan({"Engineering": ["chat"]})
    [line] = reach(None, "investigating", [], severity="SEV1")
    assert (line.channel, line.channel_label, line.recipients) == ("slack", "Slack", 2)


@pytest.mark.usefixtures("bot")
@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"provider": "slack_bot", "channel": ""}, "channel", "Enter the Slack channel's ID"),
    ({"provider": "slack_bot", "channel": "#ops"}, "channel", "not its name"),
    ({"provider": "slack_bot", "channel": "U0123ABCD"}, "channel", "followed by 8 to 20"),
    ({"provider": "slack_bot", "channel": "C0123ABCD", "url": SLACK}, "url",
     "not a webhook URL"),
    ({"provider": "teams", "channel": "C0123ABCD", "url": SLACK}, "channel",
     "only for “Slack channel (bot)”"),
])
def test_a_bad_channel_is_refused_next_to_its_field(
    client: FlaskClient, login: LoginHelper, fields: dict[str, str], field: str, message: str,
) -> None:
    login(client, role="communicator")
    group = create_group("Engineering", "", None)
    status, html = _add(client, group.public_id, **fields)
    assert status == 422
    error = re.search(rf'id="chat-{field}-error">(.*?)</p>', html, re.S)
    assert error is not None and message in error[1].replace("&#39;", "'"), html[-3000:]
    assert _rows() == []


def test_without_the_token_the_bot_choice_is_refused(
    client: FlaskClient, login: LoginHelper,
) -> None:
    login(client, role="communicator")
    group = create_group("Engineering", "", None)
    status, html = _add(client, group.public_id, provider="slack_bot", channel="C0123ABCD")
    assert status == 422 and "needs SLACK_BOT_TOKEN" in html
    assert _rows() == []


@pytest.mark.usefixtures("bot")
def test_the_same_channel_twice_is_refused_and_the_same_id_again_lifts_gone(
    client: FlaskClient, login: LoginHelper,
) -> None:
    login(client, role="communicator")
    group = group_with_bot_channel("Engineering", ("#ops", "C0123ABCD"))
    status, html = _add(client, group.public_id, name="#ops 2", provider="slack_bot",
                        channel="C0123ABCD")
    assert status == 422 and "This channel is already in the group, as #ops" in html

    [row] = _rows()
    row.suppressed_at, row.suppression_reason = utcnow(), "destination_gone"
    db.session.commit()
    member = db.session.query(StakeholderMember).one()
    edit = f"/console/stakeholders/{group.public_id}/chat/{member.public_id}/edit"
    form = client.get(edit).get_data(as_text=True)
    assert "Slack channel C0123ABCD (bot)" in form and 'name="channel"' in form
    assert client.post(edit, data={"form": "chat", "name": "#ops",
                                   "channel": "C0123ABCD"}).status_code == 303
    [again] = _rows()
    assert again.id == row.id and again.is_active
    # Another channel replaces the row; a webhook URL turns it back into a webhook.
    assert client.post(edit, data={"form": "chat", "name": "#ops",
                                   "channel": "C0NEW00001"}).status_code == 303
    assert unseal(_rows()[0].destination or "") == "slack-channel:C0NEW00001"
    assert client.post(edit, data={"form": "chat", "name": "#ops", "url": SLACK}
                       ).status_code == 303
    assert unseal(_rows()[0].destination or "") == SLACK


@pytest.mark.usefixtures("bot")
def test_viewers_cannot_add_a_channel_and_the_form_needs_csrf(
    database_url: str, app: Flask, client: FlaskClient, login: LoginHelper,
) -> None:
    group = create_group("Engineering", "", None)
    login(client, role="viewer")
    assert _add(client, group.public_id, provider="slack_bot",
                channel="C0123ABCD")[0] == 403
    guarded = make_app(database_url, WTF_CSRF_ENABLED=True, SLACK_BOT_TOKEN=TOKEN
                       ).test_client()
    login(guarded, role="communicator")
    assert _add(guarded, group.public_id, provider="slack_bot", channel="C0123ABCD")[0] == 400
    assert _rows() == []
