"""Stakeholder group and member pages in the console."""

from __future__ import annotations

import io

from flask.testing import FlaskClient

from statuspage.models import StakeholderGroup, StakeholderMember
from statuspage.plan.stakeholder_members import MemberInput, add_member
from statuspage.plan.stakeholders import create_group
from tests.console.conftest import LoginHelper


def test_a_communicator_creates_a_group_and_adds_a_member(
    client: FlaskClient, login: LoginHelper
) -> None:
    login(client, role="communicator")
    response = client.post("/console/stakeholders",
                           data={"form": "group", "name": "Customer support"})
    assert response.status_code == 303
    group = StakeholderGroup.query.filter_by(name="Customer support").one()
    assert response.headers["Location"].endswith(f"/console/stakeholders/{group.public_id}")
    response = client.post(f"/console/stakeholders/{group.public_id}/members", data={
        "form": "member", "name": "Ada", "email": "ADA@example.com", "phone": "",
        "language": "en"})
    assert response.status_code == 303
    html = client.get(f"/console/stakeholders/{group.public_id}").get_data(as_text=True)
    assert "ada@example.com" in html
    assert "Customer support" in client.get("/console/stakeholders").get_data(as_text=True)


def test_an_invalid_member_is_refused_next_to_the_field_keeping_the_input(
    client: FlaskClient, login: LoginHelper
) -> None:
    login(client, role="communicator")
    group = create_group("Executives", "", None)
    response = client.post(f"/console/stakeholders/{group.public_id}/members", data={
        "form": "member", "name": "Grace", "email": "", "phone": "12345"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="member-phone-error"' in html and "not a valid phone number" in html
    assert 'value="Grace"' in html
    assert StakeholderMember.query.count() == 0


def test_a_taken_group_name_is_refused(client: FlaskClient, login: LoginHelper) -> None:
    login(client, role="communicator")
    create_group("Executives", "", None)
    response = client.post("/console/stakeholders", data={"form": "group", "name": "executives"})
    assert response.status_code == 422
    assert "already a group called Executives" in response.get_data(as_text=True)
    assert StakeholderGroup.query.count() == 1


def test_csv_upload_reports_refused_lines(client: FlaskClient, login: LoginHelper) -> None:
    login(client, role="communicator")
    group = create_group("Executives", "", None)
    csv_text = "\ufeffname,email,phone\nAda,ada@example.com,\nBob,bob@,\nCy,,+1 202 555 0143\n"
    response = client.post(f"/console/stakeholders/{group.public_id}/import", data={
        "file": (io.BytesIO(csv_text.encode()), "members.csv")})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<strong>2</strong> added" in html
    assert "<td>3</td>" in html
    assert {m.name for m in StakeholderMember.query} == {"Ada", "Cy"}


def test_rename_remove_member_and_delete_group(client: FlaskClient, login: LoginHelper) -> None:
    login(client, role="communicator")
    group = create_group("Executives", "", None)
    member = add_member(group, MemberInput("Ada", "ada@example.com"), None)
    base = f"/console/stakeholders/{group.public_id}"
    assert client.post(f"{base}/rename", data={"form": "group", "name": "Leadership"}
                       ).status_code == 303
    assert StakeholderGroup.query.one().name == "Leadership"
    assert client.post(f"{base}/members/{member.public_id}/remove").status_code == 303
    assert StakeholderMember.query.count() == 0
    assert client.post(f"{base}/members/{member.public_id}/remove").status_code == 404
    assert client.post(f"{base}/delete").status_code == 303
    assert StakeholderGroup.query.count() == 0


def test_viewers_read_groups_but_every_change_is_forbidden(
    client: FlaskClient, login: LoginHelper
) -> None:
    group = create_group("Executives", "", None)
    member = add_member(group, MemberInput("Ada", "ada@example.com"), None)
    login(client, role="viewer")
    base = f"/console/stakeholders/{group.public_id}"
    html = client.get(base).get_data(as_text=True)
    assert "ada@example.com" in html and "Add a member" not in html
    for url in ("/console/stakeholders", f"{base}/rename", f"{base}/delete",
                f"{base}/members", f"{base}/members/{member.public_id}/remove",
                f"{base}/import"):
        assert client.post(url, data={"name": "Hacked"}).status_code == 403, url
    assert StakeholderGroup.query.one().name == "Executives"
    assert StakeholderMember.query.count() == 1
