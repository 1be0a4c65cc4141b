"""A stakeholder group's chat destinations in the console: added, listed masked, replaced when
gone, removed; only by communicators, only with the form's CSRF token."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from statuspage.core.extensions import db
from statuspage.core.sealing import unseal
from statuspage.models import AuditEntry, StakeholderGroup, StakeholderMember, Subscriber, utcnow
from statuspage.plan.stakeholders import create_group
from tests.chat_delivery_support import group_with_chats
from tests.conftest import make_app
from tests.console.conftest import LoginHelper, csrf_token

SLACK = "https://hooks.slack.com/services/T0123ABCD/B0456EFGH/abcdefghijklmnopqrstuvwx"
TEAMS = ("https://prod-12.westeurope.logic.azure.com:443/workflows/"
         "0123456789abcdef0123456789abcdef/triggers/manual/paths/invoke"
         "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0"
         "&sig=Zq3kF9sXW2pLmN8vB7cR4tY1uI0oPaSdFgHjKlZxCvB")
DISCORD = ("https://discord.com/api/webhooks/123456789012345678/"
           "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-AbCdEfGhIjKlMnOp")


def _chat_rows() -> list[Subscriber]:
    db.session.expire_all()
    return list(db.session.query(Subscriber).filter(Subscriber.channel.in_(
        ["slack", "teams", "discord", "googlechat"])).order_by(Subscriber.id))


def _secrets(url: str) -> list[str]:
    """The parts of a URL that let someone post: its last path segment and its sig."""
    parts = urlsplit(url)
    found = [parts.path.rsplit("/", 1)[-1]]
    sig = re.search(r"sig=([^&]+)", parts.query)
    return found + ([sig[1]] if sig else [])


def test_a_communicator_adds_slack_and_teams_channels_shown_masked(
    client: FlaskClient, login: LoginHelper,
) -> None:
    login(client, role="communicator")
    group = create_group("Engineering", "", None)
    for name, url in (("#ops-incidents", SLACK), ("Ops (Teams)", TEAMS)):
        response = client.post(f"/console/stakeholders/{group.public_id}/chat", data={
            "form": "chat", "name": name, "url": url, "provider": "", "language": "en"})
        assert response.status_code == 303
        assert response.headers["Location"].endswith("#chat-destinations")

    html = client.get(f"/console/stakeholders/{group.public_id}").get_data(as_text=True)
    assert "#ops-incidents" in html and "Ops (Teams)" in html
    assert "hooks.slack.com/services/T012…uvwx" in html  # the masked form
    assert ">Slack<" in html and ">Microsoft Teams<" in html
    for url in (SLACK, TEAMS):
        assert all(secret not in html for secret in _secrets(url))
    rows = _chat_rows()
    assert [r.channel for r in rows] == ["slack", "teams"]
    assert all(r.is_active and r.is_stakeholder for r in rows)
    assert unseal(rows[0].destination or "") == SLACK and SLACK not in rows[0].address
    members = db.session.query(StakeholderMember).all()
    assert all(m.email is None and m.phone is None for m in members)
    audit = db.session.query(AuditEntry).filter_by(action="stakeholder_chat.create").all()
    assert len(audit) == 2 and SLACK not in str([a.details for a in audit])


@pytest.mark.parametrize(("url", "provider", "message"), [
    ("https://example.com/hook", "", "not a Slack, Microsoft Teams, Discord or Google Chat"),
    ("http://hooks.slack.com/services/T0123ABCD/B0456EFGH/abcdefghijklmnop", "",
     "start with https://"),
    (SLACK.replace("hooks.slack.com", "hooks.slack.com.evil.example"), "slack",
     "not a Slack webhook address"),
    (DISCORD, "slack", "not a Slack webhook address"),
    ("", "", "Paste the channel's incoming webhook URL"),
])
def test_a_bad_url_is_refused_next_to_the_field_and_not_echoed(
    client: FlaskClient, login: LoginHelper, url: str, provider: str, message: str,
) -> None:
    login(client, role="communicator")
    group = create_group("Engineering", "", None)
    response = client.post(f"/console/stakeholders/{group.public_id}/chat", data={
        "form": "chat", "name": "#ops", "url": url, "provider": provider})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(r'id="chat-url-error">(.*?)</p>', html, re.S)
    assert error is not None and message in error[1].replace("&#39;", "'")
    assert 'value="#ops"' in html  # the name is kept, the URL is not
    assert not url or url not in html
    assert _chat_rows() == []


def test_the_same_webhook_twice_in_a_group_is_refused(
    client: FlaskClient, login: LoginHelper,
) -> None:
    login(client, role="communicator")
    group = group_with_chats("Engineering", ("#ops", SLACK))
    response = client.post(f"/console/stakeholders/{group.public_id}/chat", data={
        "form": "chat", "name": "#ops again",
        "url": SLACK.replace("hooks.slack.com", "HOOKS.Slack.com")})  # the same, normalised
    assert response.status_code == 422
    assert "already in the group, as #ops" in response.get_data(as_text=True)


def test_a_gone_destination_is_shown_and_a_new_url_brings_it_back(
    client: FlaskClient, login: LoginHelper,
) -> None:
    login(client, role="communicator")
    group = group_with_chats("Engineering", ("#ops", SLACK), ("#alerts", DISCORD))
    gone = _chat_rows()[0]
    gone.suppressed_at, gone.suppression_reason = utcnow(), "destination_gone"
    db.session.commit()
    member = db.session.query(StakeholderMember).filter_by(name="#ops").one()
    page = f"/console/stakeholders/{group.public_id}"

    html = client.get(page).get_data(as_text=True)
    row = re.search(rf'<tr id="chat-{member.public_id}".*?</tr>', html, re.S)
    assert row is not None and "Destination gone" in row[0] and "since" in row[0]
    assert "Replace the URL" in row[0]
    edit = f"{page}/chat/{member.public_id}/edit"
    form = client.get(edit).get_data(as_text=True)
    assert "hooks.slack.com/services/T012…uvwx" in form and SLACK not in form

    new_url = SLACK.replace("abcdefghijklmnopqrstuvwx", "zyxwvutsrqponmlkjihgfedc")
    response = client.post(edit, data={"form": "chat", "name": "#ops-incidents",
                                       "url": new_url, "language": "nb"})
    assert response.status_code == 303
    rows = {r.stakeholder_member_id: r for r in _chat_rows()}
    replaced = rows[member.id]
    assert replaced.is_active and replaced.id != gone.id and replaced.language == "nb"
    assert unseal(replaced.destination or "") == new_url
    db.session.refresh(member)
    assert member.name == "#ops-incidents"
    # A rename keeps the URL (and the row) as it is.
    response = client.post(edit, data={"form": "chat", "name": "#ops", "url": ""})
    assert response.status_code == 303
    assert {r.id for r in _chat_rows()} == {r.id for r in rows.values()}
    assert unseal(_chat_rows()[-1].destination or "") == new_url


def test_the_same_url_again_lifts_destination_gone(
    client: FlaskClient, login: LoginHelper,
) -> None:
    login(client, role="communicator")
    group = group_with_chats("Engineering", ("#ops", SLACK))
    [row] = _chat_rows()
    row.suppressed_at, row.suppression_reason = utcnow(), "destination_gone"
    db.session.commit()
    member = db.session.query(StakeholderMember).one()
    response = client.post(
        f"/console/stakeholders/{group.public_id}/chat/{member.public_id}/edit",
        data={"form": "chat", "name": "#ops", "url": SLACK})
    assert response.status_code == 303
    [again] = _chat_rows()
    assert again.id == row.id and again.is_active


def test_removing_a_destination_takes_its_row(
    client: FlaskClient, login: LoginHelper,
) -> None:
    login(client, role="communicator")
    group = group_with_chats("Engineering", ("#ops", SLACK))
    member = db.session.query(StakeholderMember).one()
    response = client.post(
        f"/console/stakeholders/{group.public_id}/chat/{member.public_id}/remove")
    assert response.status_code == 303
    assert _chat_rows() == [] and db.session.query(StakeholderMember).count() == 0
    # A person is not a chat destination: its own routes answer 404.
    assert client.post(f"/console/stakeholders/{group.public_id}/chat/nobody/remove"
                       ).status_code == 404


def test_viewers_see_the_destinations_but_cannot_change_them(
    client: FlaskClient, login: LoginHelper,
) -> None:
    group = group_with_chats("Engineering", ("#ops", SLACK))
    member = db.session.query(StakeholderMember).one()
    login(client, role="viewer")
    html = client.get(f"/console/stakeholders/{group.public_id}").get_data(as_text=True)
    assert "#ops" in html and "Add a chat destination" not in html
    base = f"/console/stakeholders/{group.public_id}/chat"
    assert client.post(base, data={"name": "#x", "url": DISCORD}).status_code == 403
    assert client.get(f"{base}/{member.public_id}/edit").status_code == 403
    assert client.post(f"{base}/{member.public_id}/remove").status_code == 403
    assert len(_chat_rows()) == 1


def test_adding_a_destination_needs_the_forms_csrf_token(
    database_url: str, app: Flask, login: LoginHelper,
) -> None:
    client = make_app(database_url, WTF_CSRF_ENABLED=True).test_client()
    login(client, role="communicator")
    group = create_group("Engineering", "", None)
    page = f"/console/stakeholders/{group.public_id}"
    data = {"form": "chat", "name": "#ops", "url": SLACK}
    assert client.post(f"{page}/chat", data=data).status_code == 400
    assert _chat_rows() == []
    response = client.post(f"{page}/chat", data={**data, "csrf_token": csrf_token(client, page)})
    assert response.status_code == 303 and len(_chat_rows()) == 1
    assert db.session.query(StakeholderGroup).count() == 1
