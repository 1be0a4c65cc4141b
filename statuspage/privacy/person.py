"""One person as the console or the CLI names them: an email address, a phone number, a
webhook URL or a chat webhook URL, read the way sign-up reads it, and the rows that hold it.

A chat destination (Slack, Teams, Discord, Google Chat) is found by its URL's fingerprint,
as its rows hold it (notify.chat.destinations); what is shown of it is its masked form."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import Text, cast, or_, select

from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.models import AuditEntry, Delivery, StakeholderMember, Subscriber
from statuspage.models.subscribers import CHAT_CHANNELS, EMAIL, SMS, WEBHOOK
from statuspage.notify.chat import destination_address, detect_provider, mask_chat_url
from statuspage.subscriptions import erasure, same_address
from statuspage.subscriptions import subscribe as subscriptions

_E164 = re.compile(r"\+\d{6,15}")


@dataclass(frozen=True)
class Person:
    """A normalised address and its channel (the same form a subscriber row holds)."""

    channel: str
    address: str
    # What may be shown of a chat destination (its masked URL); "" for other channels.
    shown: str = ""

    @property
    def reference(self) -> str:
        """A pseudonymous id for audit entries: the same person gets the same reference."""
        return erasure.address_hash(self.channel, self.address)[:16]

    @property
    def masked(self) -> str:
        return self.shown or erasure.mask(self.channel, self.address)


def _chat_person(text: str) -> Person | None:
    """A chat webhook URL as its rows hold it (the fingerprint), or None if it is none."""
    provider = detect_provider(text)
    if provider is None:
        return None
    try:
        address = destination_address(provider, text, allow_loopback=bool(
            current_app.config.get("WEBHOOK_ALLOW_LOOPBACK")))
    except DomainError:
        return None
    return Person(provider, address, mask_chat_url(text))


def person(raw: str) -> Person:
    """The person an address typed by staff names, or DomainError on the `address` field.

    An @ makes it an email address, http(s):// a webhook, anything else a phone number (read
    in the page's default SMS country when it has no country code, as the sign-up form does).
    """
    text = (raw or "").strip()
    if not text or len(text) > 2000:
        raise DomainError("Enter an email address or a phone number.", "address")
    if text.lower().startswith(("https://", "http://")):
        chat = _chat_person(text)
        if chat is not None:
            return chat
        channel = WEBHOOK
    elif "@" in text:
        channel = EMAIL
    else:
        channel = SMS
    address = subscriptions.lookup_form(channel, text)
    if channel != WEBHOOK:  # (a webhook URL's full check resolves its host: not for a lookup)
        # As the sign-up form reads it (0047…, national forms), when it can.
        with contextlib.suppress(DomainError):
            address = subscriptions.normalise_address(channel, text)
    if channel == SMS and not _E164.fullmatch(address):
        raise DomainError("Enter an email address, a phone number (with its country code if "
                          "it is abroad) or a webhook URL.", "address")
    return Person(channel, address)


def subscription(who: Person) -> Subscriber | None:
    """Their public subscription, also an erased one (then found by the address's hash)."""
    return subscriptions.known_subscriber(who.channel, who.address)


def follows(who: Person) -> list[Subscriber]:
    """Their follows of single incidents (subscriptions.follows), also erased ones."""
    return same_address.follows(who.channel, who.address)


def memberships(who: Person) -> list[StakeholderMember]:
    """The stakeholder group memberships with this email address, phone number or chat
    destination (a group's chat destination is a member: found by its recipient row)."""
    if who.channel in CHAT_CHANNELS:
        return list(db.session.execute(
            select(StakeholderMember).join(
                Subscriber, Subscriber.stakeholder_member_id == StakeholderMember.id)
            .where(Subscriber.channel == who.channel, Subscriber.address == who.address)
            .order_by(StakeholderMember.id)).scalars())
    if who.channel == WEBHOOK:
        return []
    column = StakeholderMember.email if who.channel == EMAIL else StakeholderMember.phone
    return list(db.session.execute(
        select(StakeholderMember).where(column == who.address).order_by(StakeholderMember.id)
    ).scalars())


def recipient_rows(who: Person) -> list[Subscriber]:
    """Every subscriber row of the person: the public one, their follows of incidents and
    their stakeholder rows."""
    public = subscription(who)
    rows = [public] if public is not None else []
    rows.extend(follows(who))
    for member in memberships(who):
        rows.extend(member.recipients)
    return rows


def deliveries(rows: list[Subscriber]) -> list[Delivery]:
    ids = [row.id for row in rows]
    if not ids:
        return []
    return list(db.session.execute(
        select(Delivery).where(Delivery.subscriber_id.in_(ids)).order_by(Delivery.id)
    ).scalars())


def audit_entries(who: Person, rows: list[Subscriber]) -> list[AuditEntry]:
    """Audit entries about their rows, or whose details mention the address (a scan)."""
    members = [row.public_id for row in memberships(who)]
    mentions = [cast(AuditEntry.details, Text).contains(term, autoescape=True)
                for term in [erasure.json_text(who.address), *members]]
    about = (AuditEntry.target_type == "subscriber") & AuditEntry.target_id.in_(
        [row.public_id for row in rows if row.stakeholder_member_id is None] or [""])
    return list(db.session.execute(
        select(AuditEntry).where(or_(about, *mentions)).order_by(AuditEntry.id)
    ).scalars())


@dataclass(frozen=True)
class Held:
    """What the console shows before an export or an erasure."""

    subscription: Subscriber | None
    memberships: list[StakeholderMember]
    deliveries: int
    audit_entries: int
    follows: list[Subscriber]

    @property
    def anything(self) -> bool:
        return bool(self.subscription is not None or self.memberships or self.deliveries
                    or self.audit_entries or self.follows)


def held(who: Person) -> Held:
    rows = recipient_rows(who)
    return Held(subscription=subscription(who), memberships=memberships(who),
                deliveries=len(deliveries(rows)), audit_entries=len(audit_entries(who, rows)),
                follows=follows(who))
