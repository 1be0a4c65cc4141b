"""One person as the console or the CLI names them: an email address, a phone number or a
webhook URL, read the way sign-up reads it, and the rows that hold it.

A chat channel's webhook URL (Slack, Teams, Discord, Google Chat) finds its row by the URL's
fingerprint (subscriptions.chat); the pages then name it by `key` ("slack:<fingerprint>")
and `label` (the provider and the mask), never by the URL."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass

from sqlalchemy import Text, cast, or_, select

from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.models import AuditEntry, Delivery, StakeholderMember, Subscriber
from statuspage.models.subscribers import CHAT_CHANNELS, EMAIL, SMS, WEBHOOK
from statuspage.notify.chat import detect_provider
from statuspage.subscriptions import chat, erasure, same_address
from statuspage.subscriptions import subscribe as subscriptions

_E164 = re.compile(r"\+\d{6,15}")
# A chat destination as the pages post it back: "<provider>:<the URL's fingerprint>".
_CHAT_KEY = re.compile(rf"({'|'.join(CHAT_CHANNELS)}):([0-9a-f]{{64}})")


@dataclass(frozen=True)
class Person:
    """A normalised address and its channel (the same form a subscriber row holds)."""

    channel: str
    address: str

    @property
    def reference(self) -> str:
        """A pseudonymous id for audit entries: the same person gets the same reference."""
        return erasure.address_hash(self.channel, self.address)[:16]

    @property
    def masked(self) -> str:
        return erasure.mask(self.channel, self.address)

    @property
    def key(self) -> str:
        """What a page posts to name the person again (`person` reads it back)."""
        return lookup_key(self.channel, self.address)


def lookup_key(channel: str, address: str) -> str:
    """The address, or for a chat destination "<provider>:<fingerprint>" (not the URL)."""
    return f"{channel}:{address}" if chat.is_chat(channel) else address


def person(raw: str) -> Person:
    """The person an address typed by staff names, or DomainError on the `address` field.

    An @ makes it an email address, http(s):// a webhook, anything else a phone number (read
    in the page's default SMS country when it has no country code, as the sign-up form does).
    """
    text = (raw or "").strip()
    if not text or len(text) > 2000:
        raise DomainError("Enter an email address or a phone number.", "address")
    chat_key = _CHAT_KEY.fullmatch(text)
    if chat_key:
        return Person(chat_key[1], chat_key[2])
    provider = detect_provider(text)
    if provider is not None:  # a chat webhook URL: found by its fingerprint
        return Person(provider, subscriptions.lookup_form(provider, text))
    if text.lower().startswith(("https://", "http://")):
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
    if chat.is_chat(who.channel):
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


def label(who: Person) -> str:
    """How the pages name the person: the address; a chat destination by its provider and
    the mask of its URL (subscriptions.chat), or by its masked fingerprint once erased."""
    if not chat.is_chat(who.channel):
        return who.address
    row = subscription(who)
    if row is not None and row.destination is not None:
        return chat.display_address(row)
    return f"{chat.PROVIDER_NAMES[who.channel]}: {who.masked}"
