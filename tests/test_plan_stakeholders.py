"""Stakeholder groups and members: validation, normalisation and CSV import."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from sqlalchemy import func, select

from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.models import AuditEntry, StakeholderGroup, StakeholderMember
from statuspage.plan import stakeholders
from statuspage.plan.stakeholder_members import MemberInput, add_member, import_members
from statuspage.plan.stakeholders import create_group


@pytest.fixture
def group(app: Flask) -> StakeholderGroup:
    return create_group("Executives", "The C-suite", None)


def test_a_member_is_stored_with_a_lower_case_email_and_an_e164_phone(
    group: StakeholderGroup,
) -> None:
    member = add_member(group, MemberInput("  Ada   Lovelace ", "Ada@Example.COM",
                                           "+44 7911 123 456", "en-GB"), None)
    assert (member.name, member.email, member.phone, member.language) == (
        "Ada Lovelace", "ada@example.com", "+447911123456", "en")  # the page's English
    assert AuditEntry.query.filter_by(action="stakeholder_member.create").count() == 1


def test_a_member_needs_an_email_or_a_phone(group: StakeholderGroup) -> None:
    with pytest.raises(DomainError) as refused:
        add_member(group, MemberInput("Nobody"), None)
    assert refused.value.field == "email"
    only_phone = add_member(group, MemberInput("Grace", phone="+1 202 555 0143"), None)
    assert (only_phone.email, only_phone.phone) == (None, "+12025550143")


@pytest.mark.parametrize(("data", "field"), [
    (MemberInput("Bad", email="not-an-email"), "email"),
    (MemberInput("Bad", phone="12"), "phone"),
    (MemberInput("Bad", phone="+44 1234"), "phone"),
    (MemberInput("", email="a@example.com"), "name"),
    (MemberInput("Bad", email="a@example.com", language="not a language!"), "language"),
])
def test_invalid_members_are_refused_naming_the_field(
    group: StakeholderGroup, data: MemberInput, field: str
) -> None:
    with pytest.raises(DomainError) as refused:
        add_member(group, data, None)
    assert refused.value.field == field
    assert db.session.scalar(select(func.count(StakeholderMember.id))) == 0


def test_the_same_address_cannot_join_a_group_twice(group: StakeholderGroup) -> None:
    add_member(group, MemberInput("Ada", "ada@example.com"), None)
    with pytest.raises(DomainError):
        add_member(group, MemberInput("Ada again", "ADA@example.com"), None)
    other = create_group("Support", "", None)
    add_member(other, MemberInput("Ada", "ada@example.com"), None)
    assert db.session.scalar(select(func.count(StakeholderMember.id))) == 2


@pytest.mark.parametrize("name", ["public", "PUBLIC", "executives", "   ", "x" * 101])
def test_group_names_are_unique_not_public_and_not_empty(
    group: StakeholderGroup, name: str
) -> None:
    with pytest.raises(DomainError) as refused:
        create_group(name, "", None)
    assert refused.value.field == "name"
    assert db.session.scalar(select(func.count(StakeholderGroup.id))) == 1


def test_renaming_a_group_keeps_its_members(group: StakeholderGroup) -> None:
    add_member(group, MemberInput("Ada", "ada@example.com"), None)
    stakeholders.rename_group(group, "Leadership", "", None)
    assert [m.name for m in stakeholders.get_group(group.public_id).members] == ["Ada"]
    assert stakeholders.get_group(group.public_id).name == "Leadership"


def test_csv_import_adds_valid_lines_and_reports_the_others_by_line(
    group: StakeholderGroup,
) -> None:
    add_member(group, MemberInput("Existing", "old@example.com"), None)
    text = ("Name,Email,Phone,Language\n"
            "Ada,ada@example.com,,en\n"
            "Grace,,+1 202 555 0143,\n"
            "Broken,not-an-email,,\n"
            "Old,OLD@example.com,,\n"
            ",nobody@example.com,,\n"
            "Nothing,,,\n"
            "Ada twice,ada@example.com,,\n")
    report = import_members(group, io.StringIO(text, newline=""), None)
    assert (report.imported, report.already_members, report.error_count) == (2, 2, 3)
    assert [line for line, _ in report.errors] == [4, 6, 7]
    assert "valid email" in report.errors[0][1]
    stored = {(m.name, m.email, m.phone) for m in StakeholderMember.query}
    assert stored == {("Existing", "old@example.com", None), ("Ada", "ada@example.com", None),
                      ("Grace", None, "+12025550143")}


def test_csv_import_without_a_usable_header_is_refused(group: StakeholderGroup) -> None:
    with pytest.raises(DomainError) as refused:
        import_members(group, io.StringIO("who,where\nAda,x\n"), None)
    assert refused.value.field == "file"
    assert db.session.scalar(select(func.count(StakeholderMember.id))) == 0
