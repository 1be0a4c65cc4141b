"""A stakeholder member's language is one the page has (en, nb): chosen from a select, and
refused otherwise, on the form and line by line in a CSV import."""

from __future__ import annotations

import io
import re

from flask.testing import FlaskClient

from statuspage.models import StakeholderMember
from statuspage.plan.stakeholder_members import MemberInput, add_member
from statuspage.plan.stakeholders import create_group
from tests.console.conftest import LoginHelper

OPTIONS = re.compile(r'<select id="member-language" name="language"[^>]*>(.*?)</select>', re.S)


def _options(html: str) -> list[str]:
    match = OPTIONS.search(html)
    assert match is not None, "no language select"
    return re.findall(r'<option value="([^"]*)"', match.group(1))


def test_the_add_and_edit_forms_offer_only_the_pages_languages(
        client: FlaskClient, login: LoginHelper) -> None:
    login(client, role="communicator")
    group = create_group("Executives", "", None)
    member = add_member(group, MemberInput("Kari", "kari@example.com", language="nb"), None)

    detail = client.get(f"/console/stakeholders/{group.public_id}").get_data(as_text=True)
    edit = client.get(f"/console/stakeholders/{group.public_id}/members/"
                      f"{member.public_id}/edit").get_data(as_text=True)

    assert _options(detail) == ["en", "nb"]
    assert '<option value="en" selected>English</option>' in detail
    assert _options(edit) == ["en", "nb"]
    assert '<option value="nb" selected>Norsk bokmål</option>' in edit


def test_a_language_the_page_does_not_have_is_refused_next_to_the_field(
        client: FlaskClient, login: LoginHelper) -> None:
    login(client, role="communicator")
    group = create_group("Executives", "", None)

    response = client.post(f"/console/stakeholders/{group.public_id}/members", data={
        "form": "member", "name": "Hans", "email": "hans@example.com", "language": "de"})

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="member-language-error"' in html and "Unknown language &#39;de&#39;" in html
    assert StakeholderMember.query.count() == 0
    client.post(f"/console/stakeholders/{group.public_id}/members", data={
        "form": "member", "name": "Kari", "email": "kari@example.com", "language": "nb"})
    assert StakeholderMember.query.one().language == "nb"


def test_a_csv_import_refuses_other_languages_with_a_line_error(
        client: FlaskClient, login: LoginHelper) -> None:
    login(client, role="communicator")
    group = create_group("Executives", "", None)
    csv_text = ("name,email,phone,language\nAda,ada@example.com,,en\n"
                "Hans,hans@example.com,,de\nKari,kari@example.com,,nb-NO\nCy,cy@example.com,,\n")

    response = client.post(f"/console/stakeholders/{group.public_id}/import", data={
        "file": (io.BytesIO(csv_text.encode()), "members.csv")})

    html = response.get_data(as_text=True)
    assert re.search(r"<td>3</td><td>Unknown language &#39;de&#39;", html)
    languages = {m.name: m.language for m in StakeholderMember.query.all()}
    assert languages == {"Ada": "en", "Kari": "nb", "Cy": "en"}
