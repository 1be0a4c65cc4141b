"""Chat in the composer: reach counts per provider (the fan-out delivers exactly those), and a
rendered preview of the message in each chat format."""

from __future__ import annotations

import html as html_lib
import json
import re
from collections import Counter

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.models import Delivery, FanoutEvent, IncidentUpdate
from statuspage.models.plan import PUBLIC
from statuspage.page.record import get_page
from statuspage.plan.reach import reach
from tests.chat_delivery_support import group_with_chats, public_chat
from tests.chat_support import RULES
from tests.console.conftest_content import as_role
from tests.delivery_support import add_subscribers, queued_tasks, run_worker
from tests.factories import Factory
from tests.stakeholder_support import store_plan

SLACK = "https://hooks.slack.com/services/T0123ABCD/B0456EFGH/abcdefghijklmnopqrstuvwx"
SLACK_2 = "https://hooks.slack.com/services/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"
TEAMS = ("https://prod-12.westeurope.logic.azure.com:443/workflows/"
         "0123456789abcdef0123456789abcdef/triggers/manual/paths/invoke"
         "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0"
         "&sig=Zq3kF9sXW2pLmN8vB7cR4tY1uI0oPaSdFgHjKlZxCvB")
DISCORD = ("https://discord.com/api/webhooks/123456789012345678/"
           "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-AbCdEfGhIjKlMnOp")
_ROW = re.compile(r'<tr data-audience="(\w+)" data-channel="(\w+)"><th scope="row">[^<]*</th>'
                  r'<td>[^<]+</td><td class="num">(\d+)</td></tr>')


def _audiences(app: Flask) -> str:
    """Engineering has a Slack and a Teams channel; the public two emails, a Discord channel
    and a Slack channel (also one of Engineering's: it gets the message once)."""
    app.config.update(WEBHOOK_ALLOW_LOOPBACK=False)
    group = group_with_chats("Engineering", ("#ops", SLACK), ("Ops", TEAMS))
    add_subscribers(2)
    public_chat("discord", DISCORD)
    public_chat("slack", SLACK)
    public_chat("slack", SLACK_2)
    store_plan({PUBLIC: ["email", "chat"], "Engineering": ["chat"]})
    return group.public_id


def test_reach_counts_chat_destinations_per_provider_as_the_fan_out_delivers(
    app: Flask, client: FlaskClient, factory: Factory,
) -> None:
    group = _audiences(app)
    incident = factory.incident(severity="SEV1", deliver_notifications=False)

    lines = reach(incident, "identified", [])
    assert [(line.audience, line.channel, line.recipients) for line in lines] == [
        (PUBLIC, "email", 2), (PUBLIC, "slack", 2), (PUBLIC, "discord", 1),
        (group, "teams", 1)]  # Engineering's Slack channel is reached as a public one
    assert reach(incident, "identified", [], visibility="internal")[0].recipients == 1

    as_role(client, factory, "communicator")
    form = {"status": "identified", "body": "Found it.", "visibility": "public",
            "deliver_notifications": "y"}
    page = client.post(f"/console/incidents/{incident.public_id}/updates",
                       data={**form, "action": "reach"}).get_data(as_text=True)
    shown = {(a, c): int(n) for a, c, n in _ROW.findall(page)}
    with queued_tasks():
        client.post(f"/console/incidents/{incident.public_id}/updates",
                    data={**form, "action": "publish"})
        run_worker(app, only=["expand_event"])
    update = db.session.execute(select(IncidentUpdate).filter_by(body="Found it.")).scalar_one()
    event = db.session.execute(select(FanoutEvent).filter_by(update_id=update.id)).scalar_one()
    made = Counter(db.session.execute(
        select(Delivery.channel).where(Delivery.event_id == event.id)).scalars())
    assert sum(shown.values()) == sum(made.values()) == 6
    assert {c: n for (a, c), n in shown.items()} == dict(made)


def test_a_group_without_chat_destinations_shows_one_chat_line_of_none(
    app: Flask, factory: Factory,
) -> None:
    group_with_chats("Board")
    store_plan({"Board": ["chat"]})
    lines = reach(None, "investigating", [], severity="SEV1")
    assert [(line.label, line.channel, line.recipients) for line in lines] == [
        ("Board", "chat", 0)]


def test_the_composer_previews_the_message_in_every_chat_format(
    client: FlaskClient, factory: Factory,
) -> None:
    as_role(client, factory, "communicator")
    response = client.post("/console/incidents/new", data={
        "name": "Checkout <script>x()</script> down", "severity": "SEV1",
        "status": "investigating", "body": "Payments **fail** for some cards.",
        "deliver_notifications": "y", "action": "reach"})

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    sections = re.findall(r'<section class="reach-chat" data-provider="(\w+)"(.*?)</section>',
                          html, re.S)
    assert [provider for provider, _ in sections] == ["slack", "teams", "discord",
                                                      "googlechat"]
    assert "<script>x()</script>" not in html
    for provider, body in sections:
        card = html_lib.unescape(re.search(r'class="reach-chat-card">(.*?)</div>', body,
                                           re.S)[1])
        assert "Checkout" in card and "x()" in card  # the title, as text
        assert "Payments" in card and "Investigating" in card
        assert "/manage/TOKEN" in html_lib.unescape(body)  # a public subscriber's links
        payload = json.loads(html_lib.unescape(
            re.search(r'<pre class="reach-chat-json">(.*?)</pre>', body, re.S)[1]))
        assert RULES[provider](payload) == [], provider


def test_an_internal_updates_chat_preview_is_the_groups(
    client: FlaskClient, factory: Factory,
) -> None:
    incident = factory.incident(severity="SEV1")
    as_role(client, factory, "communicator")
    html = html_lib.unescape(client.post(
        f"/console/incidents/{incident.public_id}/updates",
        data={"status": "identified", "body": "Root cause found.", "visibility": "internal",
              "deliver_notifications": "y", "action": "reach"}).get_data(as_text=True))
    slack = re.search(r'data-provider="slack"(.*?)</section>', html, re.S)
    assert slack is not None
    assert "Internal update — not public" in slack[1] and "/internal/TOKEN" in slack[1]
    assert "/unsubscribe/" not in slack[1]


def test_a_page_closed_to_chat_subscribers_reaches_no_public_chat_destination(
    app: Flask, factory: Factory,
) -> None:
    group = _audiences(app)
    get_page().allow_chat_subscribers = False
    db.session.commit()
    incident = factory.incident(severity="SEV1", deliver_notifications=False)

    lines = reach(incident, "identified", [])
    # The group's own chat destinations are staff's, not subscriptions: still reached.
    assert [(line.audience, line.channel, line.recipients) for line in lines] == [
        (PUBLIC, "email", 2), (group, "slack", 1), (group, "teams", 1)]


def test_reach_lines_name_chat_providers_as_people_do(
    app: Flask, client: FlaskClient, factory: Factory,
) -> None:
    _audiences(app)
    incident = factory.incident(severity="SEV1", deliver_notifications=False)
    as_role(client, factory, "communicator")

    reach_page = client.post(f"/console/incidents/{incident.public_id}/updates", data={
        "status": "identified", "body": "Found it.", "visibility": "public",
        "deliver_notifications": "y", "action": "reach"}).get_data(as_text=True)
    new_page = client.get("/console/incidents/new").get_data(as_text=True)

    shown = dict(re.findall(r'<tr data-audience="\w+" data-channel="(\w+)">'
                            r'<th scope="row">[^<]*</th><td>([^<]+)</td>', reach_page))
    assert shown == {"email": "email", "slack": "Slack", "discord": "Discord",
                     "teams": "Microsoft Teams"}
    for said in ("Public subscribers by Slack: 2 recipients",
                 "Public subscribers by Discord: 1 recipient",
                 "Engineering by Microsoft Teams: 1 recipient"):
        assert said in new_page
    assert "by slack" not in new_page and "by discord" not in new_page
