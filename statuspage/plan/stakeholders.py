"""Stakeholder groups and their members: the internal audiences of the communication plan.

Members are added by staff (no opt-in), one at a time or from a CSV file; an import reports
each refused line with its number and saves the others.

Each member's email and phone are also fan-out recipients: one Subscriber row per channel
(`stakeholder_member_id` set, confirmed, consent source "stakeholder"), created, changed and
deleted here in the same transaction as the member, so the plan's routes to a group reach
exactly its members as they are now (see delivery_audience).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat
from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import selectinload

from statuspage import audit
from statuspage.core.errors import DomainError, NotFound
from statuspage.core.extensions import db
from statuspage.core.i18n import DEFAULT_LANGUAGE, LANGUAGE_NAMES, supported
from statuspage.core.transaction import use_case
from statuspage.models import (
    Delivery,
    PlanRule,
    StakeholderGroup,
    StakeholderMember,
    Subscriber,
    User,
    utcnow,
)
from statuspage.models.plan import PUBLIC
from statuspage.models.subscribers import EMAIL, SMS, STAKEHOLDER_SOURCE
from statuspage.notify.addresses import allowed_regions, normalise_email
from statuspage.page.record import get_page

MAX_NAME = 100
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


def get_group(public_id: str) -> StakeholderGroup:
    """The group with this public id, or NotFound."""
    # The member list shows each member's recipient state (a bounce, a STOP): load it here.
    group = db.session.scalar(
        select(StakeholderGroup).filter_by(public_id=public_id)
        .options(selectinload(StakeholderGroup.members)
                 .selectinload(StakeholderMember.recipients)))
    if group is None:
        raise NotFound("No such stakeholder group.")
    return group


def groups_with_counts() -> list[tuple[StakeholderGroup, int]]:
    """Every group by name with its number of members (the stakeholder list page)."""
    rows = db.session.execute(
        select(StakeholderGroup, func.count(StakeholderMember.id))
        .outerjoin(StakeholderMember).group_by(StakeholderGroup.id)
        .order_by(StakeholderGroup.name))
    return [(group, count) for group, count in rows]


def _group_name(raw: str, current: StakeholderGroup | None = None) -> str:
    name = " ".join((raw or "").split())
    if not name:
        raise DomainError("Enter a name for the group.", "name")
    if len(name) > MAX_NAME:
        raise DomainError(f"Keep the name under {MAX_NAME} characters.", "name")
    # "public" is the plan's name for self-service subscribers.
    if name.lower() == PUBLIC:
        raise DomainError('"public" is the plan\'s name for subscribers; choose another.',
                          "name")
    clash = db.session.scalar(select(StakeholderGroup).where(
        func.lower(StakeholderGroup.name) == name.lower()))
    if clash is not None and clash is not current:
        raise DomainError(f"There is already a group called {clash.name}.", "name")
    return name


@use_case
def create_group(name: str, description: str, actor: User | None) -> StakeholderGroup:
    """Create a stakeholder group; names are unique regardless of case."""
    group = StakeholderGroup(name=_group_name(name), description=(description or "")[:500])
    db.session.add(group)
    db.session.flush()
    audit.record(actor, "stakeholder_group.create", "stakeholder_group", group.public_id,
                 name=group.name)
    db.session.commit()
    return group


@use_case
def rename_group(group: StakeholderGroup, name: str, description: str,
                 actor: User | None) -> StakeholderGroup:
    """Rename a group; the plan refers to it by id, so its rules follow."""
    old = group.name
    group.name = _group_name(name, group)
    group.description = (description or "")[:500]
    audit.record(actor, "stakeholder_group.update", "stakeholder_group", group.public_id,
                 old_name=old, name=group.name)
    db.session.commit()
    return group


@use_case
def delete_group(group: StakeholderGroup, actor: User | None) -> None:
    """Delete a group, its members and the plan's rules for it."""
    # Explicit, because SQLite does not enforce ON DELETE CASCADE without a pragma.
    db.session.execute(delete(PlanRule).where(PlanRule.group_id == group.id))
    _delete_deliveries(select(Subscriber.id).join(StakeholderMember).where(
        StakeholderMember.group_id == group.id))
    audit.record(actor, "stakeholder_group.delete", "stakeholder_group", group.public_id,
                 name=group.name, members=len(group.members))
    db.session.delete(group)
    db.session.commit()


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
    (subscription_addresses.default_region)."""
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


def _delete_deliveries(subscriber_ids: list[int] | Select[Any]) -> None:
    """Delete the delivery records of these recipient rows (an id list or a subquery).

    Explicit, because SQLite does not enforce ON DELETE CASCADE without a pragma; the rows
    themselves go with their member (the `recipients` relationship's delete-orphan cascade).
    """
    db.session.execute(delete(Delivery).where(Delivery.subscriber_id.in_(subscriber_ids)))


def sync_recipients(member: StakeholderMember) -> None:
    """Make the member's recipient rows match its email, phone and language.

    A channel without an address loses its row; a changed address replaces the row, with its
    delivery records (they were sent to the old address, and a new address is not bounced
    or opted out); the language follows the member's.
    """
    current = {row.channel: row for row in member.recipients}
    for channel, address in ((EMAIL, member.email), (SMS, member.phone)):
        row = current.get(channel)
        if row is not None and row.address != address:
            if row.id is not None:
                _delete_deliveries([row.id])
            member.recipients.remove(row)
            db.session.flush()  # the old row goes before its replacement takes its key
            row = None
        if address is None:
            continue
        if row is None:
            now = utcnow()
            member.recipients.append(Subscriber(
                channel=channel, address=address, language=member.language,
                confirmed_at=now, consent_source=STAKEHOLDER_SOURCE, consent_at=now,
                consent_note="Stakeholder group member added by staff", token_version=1))
        else:
            row.language = member.language


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
    _delete_deliveries([row.id for row in member.recipients])
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
