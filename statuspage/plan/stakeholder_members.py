"""Members of stakeholder groups: added, changed and removed by staff, one by one or from CSV.

Members are added by staff (no opt-in), one at a time or from a CSV file; an import reports
each refused line with its number and saves the others. A member needs a name and an email
address, a phone number or both (no two members of a group share one), and is written to in
one of the page's languages; their recipient rows follow every change in the same commit
(plan.stakeholder_recipients). The groups themselves are in plan.stakeholders.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

from statuspage import audit
from statuspage.core.errors import DomainError, NotFound
from statuspage.core.extensions import db
from statuspage.core.i18n import DEFAULT_LANGUAGE, LANGUAGE_NAMES, supported
from statuspage.core.transaction import use_case
from statuspage.models import StakeholderGroup, StakeholderMember, User
from statuspage.notify.addresses import allowed_regions, normalise_email
from statuspage.page.record import get_page
from statuspage.plan.stakeholder_recipients import delete_deliveries, sync_recipients

IMPORT_COLUMNS = ("name", "email", "phone", "language")
# The import report lists this many refused lines; beyond that it only counts them.
MAX_REPORTED_ERRORS = 200


@dataclass(frozen=True)
class MemberInput:
    name: str
    email: str = ""
    phone: str = ""
    language: str = ""


@dataclass
class ImportReport:
    imported: int = 0
    already_members: int = 0
    error_count: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def member_language(raw: str) -> str:
    """One of the page's languages (i18n.LANGUAGES; "en" when empty): a member's messages
    are written only in those. "nb-NO", "no" and "en-GB" read as theirs; others are refused."""
    text = (raw or "").strip()
    language = supported(text) if text else DEFAULT_LANGUAGE
    if language is None:
        known = ", ".join(f"{name} ({code})" for code, name in LANGUAGE_NAMES.items())
        raise DomainError(f"Unknown language {text[:20]!r}; messages are written in {known}.",
                          "language")
    return language


def normalise_member_phone(raw: str) -> str:
    """An E.164 phone number; without a country code, read as the page's default SMS country
    (notify.addresses.default_region)."""
    regions = allowed_regions(get_page())
    try:
        number = phonenumbers.parse(raw.strip(), regions[0] if regions else None)
    except NumberParseException:
        raise DomainError("Enter a phone number with its country code, such as "
                          "+44 7911 123456.", "phone") from None
    if not phonenumbers.is_valid_number(number):
        raise DomainError("This is not a valid phone number.", "phone")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _member_values(data: MemberInput) -> tuple[str, str | None, str | None, str]:
    name = " ".join((data.name or "").split())
    if not name:
        raise DomainError("Enter the member's name.", "name")
    if len(name) > 200:
        raise DomainError("Keep the name under 200 characters.", "name")
    email = phone = None
    if (data.email or "").strip():
        try:
            email = normalise_email(data.email)
        except DomainError as error:
            raise DomainError(error.message, "email") from None
    if (data.phone or "").strip():
        phone = normalise_member_phone(data.phone)
    if email is None and phone is None:
        raise DomainError("Enter an email address, a phone number or both.", "email")
    return name, email, phone, member_language(data.language)


def _existing(group: StakeholderGroup, email: str | None, phone: str | None,
              besides: StakeholderMember | None = None) -> StakeholderMember | None:
    for member in group.members:
        if member is besides:
            continue
        if (email and member.email == email) or (phone and member.phone == phone):
            return member
    return None


def _new_member(group: StakeholderGroup, data: MemberInput) -> StakeholderMember | None:
    """A new member added to the session, or None when one with that email/phone exists."""
    name, email, phone, language = _member_values(data)
    if _existing(group, email, phone) is not None:
        return None
    member = StakeholderMember(name=name, email=email, phone=phone, language=language)
    group.members.append(member)
    sync_recipients(member)
    return member


@use_case
def add_member(group: StakeholderGroup, data: MemberInput,
               actor: User | None) -> StakeholderMember:
    """Add a member (no opt-in: staff add the people who need to know)."""
    member = _new_member(group, data)
    if member is None:
        raise DomainError("Someone in this group already has this email address or phone "
                          "number.", "email")
    db.session.flush()
    audit.record(actor, "stakeholder_member.create", "stakeholder_group", group.public_id,
                 member=member.public_id)
    db.session.commit()
    return member


def get_member(group: StakeholderGroup, member_id: str) -> StakeholderMember:
    """The group's member with this public id, or NotFound."""
    member = next((m for m in group.members if m.public_id == member_id), None)
    if member is None:
        raise NotFound("No such member.")
    return member


@use_case
def update_member(group: StakeholderGroup, member_id: str, data: MemberInput,
                  actor: User | None) -> StakeholderMember:
    """Change a member's name, addresses or language; their recipients follow at once."""
    member = get_member(group, member_id)
    if member.chat_destination is not None:
        # A chat destination has no email or phone (plan.stakeholder_chat changes it).
        raise NotFound("No such member.")
    name, email, phone, language = _member_values(data)
    if _existing(group, email, phone, besides=member) is not None:
        raise DomainError("Someone else in this group already has this email address or "
                          "phone number.", "email")
    member.name, member.email, member.phone, member.language = name, email, phone, language
    sync_recipients(member)
    audit.record(actor, "stakeholder_member.update", "stakeholder_group", group.public_id,
                 member=member.public_id)
    db.session.commit()
    return member


@use_case
def remove_member(group: StakeholderGroup, member_id: str, actor: User | None) -> None:
    """Remove one member of a group, with their recipient rows and delivery records."""
    member = get_member(group, member_id)
    delete_deliveries([row.id for row in member.recipients])
    group.members.remove(member)
    audit.record(actor, "stakeholder_member.delete", "stakeholder_group", group.public_id,
                 member=member.public_id)
    db.session.commit()


def import_members(group: StakeholderGroup, lines: Iterable[str],
                   actor: User | None) -> ImportReport:
    """Add members from CSV text (header: name,email,phone[,language]).

    Each line is checked on its own; refused lines are reported with their line number and
    the valid ones are saved in one commit.
    """
    report = ImportReport()
    reader = csv.DictReader(lines)
    header = [(column or "").strip().lower() for column in (reader.fieldnames or [])]
    if "name" not in header or not {"email", "phone"} & set(header):
        raise DomainError("The first line must name the columns: name, email and/or phone, "
                          "optionally language.", "file")
    reader.fieldnames = header
    for row in reader:
        line = reader.line_num
        values = {key: (row.get(key) or "").strip() for key in IMPORT_COLUMNS}
        try:
            member = _new_member(group, MemberInput(**values))
        except DomainError as error:
            report.error_count += 1
            if len(report.errors) < MAX_REPORTED_ERRORS:
                report.errors.append((line, error.message))
            continue
        if member is None:
            report.already_members += 1
        else:
            report.imported += 1
    audit.record(actor, "stakeholder_member.import", "stakeholder_group", group.public_id,
                 imported=report.imported, refused=report.error_count)
    db.session.commit()
    return report
