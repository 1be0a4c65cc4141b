"""Stakeholder recipients in the console: not in the subscriber list, edited with the member,
visible in the delivery log with their delivery problems."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.incidents.lifecycle import post_update
from statuspage.incidents.updates import UpdateInput
from statuspage.models import IncidentUpdate
from statuspage.plan.stakeholder_members import MemberInput
from statuspage.subscriptions.links import manage_path, unsubscribe_url
from tests.console.conftest import LoginHelper
from tests.delivery_support import add_subscribers
from tests.factories import Factory
from tests.stakeholder_support import group_with, stakeholder_rows, store_plan


def test_members_are_not_in_the_subscriber_list_search_or_export(
    client: FlaskClient, login: LoginHelper
) -> None:
    login(client, role="admin")
    group_with("Executives", MemberInput("Ada", "ada@example.com", "+12025550143"))
    add_subscribers(1)
    row = stakeholder_rows()[0]

    listing = client.get("/console/subscribers").get_data(as_text=True)
    assert "reader0@example.com" in listing and "ada@example.com" not in listing
    assert "ada@example.com" not in client.get("/console/subscribers?q=ada").get_data(
        as_text=True)
    exported = client.get("/console/subscribers/export.csv").get_data(as_text=True)
    assert "reader0@example.com" in exported
    assert "ada@example.com" not in exported and "+12025550143" not in exported
    assert client.get(f"/console/subscribers/{row.public_id}").status_code == 404


def test_a_member_row_has_no_public_manage_or_unsubscribe_page(
    client: FlaskClient, app: Flask
) -> None:
    group_with("Executives", MemberInput("Ada", "ada@example.com"))
    row = stakeholder_rows()[0]

    assert client.get(manage_path(row)).status_code == 404
    assert client.post(unsubscribe_url(row)).status_code == 404
    assert stakeholder_rows()[0].is_active


def test_a_communicator_edits_a_member_and_the_recipients_follow(
    client: FlaskClient, login: LoginHelper
) -> None:
    login(client, role="communicator")
    group = group_with("Executives", MemberInput("Ada", "ada@example.com"))
    member = group.members[0]
    url = f"/console/stakeholders/{group.public_id}/members/{member.public_id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'value="ada@example.com"' in page

    bad = client.post(url, data={"form": "member", "name": "Ada", "email": "",
                                 "phone": "12", "language": "en"})
    assert bad.status_code == 422 and "not a valid phone number" in bad.get_data(as_text=True)
    saved = client.post(url, data={"form": "member", "name": "Ada", "email": "ada@example.com",
                                   "phone": "+1 202 555 0143", "language": "nb"})

    assert saved.status_code == 303
    assert {(r.channel, r.address, r.language) for r in stakeholder_rows()} == {
        ("email", "ada@example.com", "nb"), ("sms", "+12025550143", "nb")}


def test_a_viewer_cannot_edit_a_member(client: FlaskClient, login: LoginHelper) -> None:
    login(client, role="viewer")
    group = group_with("Executives", MemberInput("Ada", "ada@example.com"))
    url = (f"/console/stakeholders/{group.public_id}/members/"
           f"{group.members[0].public_id}/edit")

    assert client.post(url, data={"form": "member", "name": "Eve",
                                  "email": "eve@example.com"}).status_code == 403
    assert "Edit" not in client.get(f"/console/stakeholders/{group.public_id}").get_data(
        as_text=True).split("<h2>Members</h2>")[1].split("</table>")[0]
    assert stakeholder_rows()[0].address == "ada@example.com"


def test_member_deliveries_and_problems_show_in_the_console(
    client: FlaskClient, login: LoginHelper, factory: Factory
) -> None:
    login(client, role="viewer")
    group = group_with("Executives", MemberInput("Ada", "ada@example.com", "+12025550143"))
    store_plan({"Executives": ["email", "sms"]})
    incident = factory.incident(severity="SEV1", deliver_notifications=False)
    post_update(incident, UpdateInput(status="identified", body="Internal note.",
                                      visibility="internal"), None)
    update = db.session.execute(select(IncidentUpdate).filter_by(body="Internal note.")
                                ).scalar_one()
    sms = next(r for r in stakeholder_rows() if r.channel == "sms")
    sms.suppressed_at, sms.suppression_reason = sms.created_at, "stop"
    db.session.commit()

    log = client.get(f"/console/updates/{update.public_id}/deliveries").get_data(as_text=True)
    assert "ada@example.com" in log and "+12025550143" in log
    members = client.get(f"/console/stakeholders/{group.public_id}").get_data(as_text=True)
    assert "sms: suppressed (stop)" in members
