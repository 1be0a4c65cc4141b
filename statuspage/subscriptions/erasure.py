"""Erasing a subscriber's personal data while their opt-out keeps holding.

An erased subscriber row stays, as an anonymous record: the channel, the state and reason
(unsubscribed, bounced, STOP…), the dates of consent and of leaving, the language and the
delivery records' states. Everything that names or reaches the person goes: the address
becomes `erased:<key id>:<keyed hash>` (HMAC-SHA256 of the channel and normalised address
under a key derived from SECRET_KEY), and the consent IP and note, the SMS code, the webhook
secret, a chat destination's sealed URL and the component choices are cleared; the links
already sent stop working.

Every sign-up lookup (subscriptions.subscribe, imports, the console's add form, an inbound
STOP/START) also looks for the address's hash, so an erased address is treated exactly as
before its erasure: a bounced or STOPped address stays refused, and an address that had
unsubscribed may subscribe again with a new double opt-in, which puts its address back on
the same row (`restore_address`).

The hash is only as good as its key: restored without the same SECRET_KEY (instance/secret_key,
carried by `flask backup`), the erased rows no longer match anyone, and those addresses could
be subscribed or imported again. The key id in the address says which key made it.

A chat destination's row keeps the hash of its fingerprint the same way, and loses its sealed
URL (`destination`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import Text, and_, case, cast, delete, func, select, update

from statuspage.core.extensions import db
from statuspage.core.transaction import execute_dml
from statuspage.models import (
    AuditEntry,
    Delivery,
    OutboxMessage,
    Subscriber,
    SubscriberImport,
    subscriber_component,
)
from statuspage.models.subscribers import CHAT_CHANNELS, EMAIL, SMS

ERASED_PREFIX = "erased:"
# What an erased address is replaced with wherever text kept it (audit details, errors).
REDACTED = "[erased]"


def _key() -> bytes:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, b"statuspage subscriber erasure v1", hashlib.sha256).digest()


def key_id() -> str:
    """A short, non-secret name of the current hash key (changes with SECRET_KEY)."""
    return hmac.new(_key(), b"key id", hashlib.sha256).hexdigest()[:8]


def address_hash(channel: str, address: str) -> str:
    """The keyed hash of a normalised address: what an erased row keeps of it."""
    message = f"{channel}\n{address}".encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def erased_address(channel: str, address: str) -> str:
    """The `address` column of an erased row for this address."""
    return f"{ERASED_PREFIX}{key_id()}:{address_hash(channel, address)}"


def is_erased_address(address: str) -> bool:
    return address.startswith(ERASED_PREFIX)


def lookup_addresses(channel: str, address: str) -> list[str]:
    """The values of `Subscriber.address` that stand for this address: itself and its hash."""
    return [address, erased_address(channel, address)]


def live_first() -> Any:
    """An ORDER BY preferring a row with its address to an erased one of the same address."""
    return Subscriber.erased_at.is_not(None)


def restore_address(subscriber: Subscriber, address: str) -> None:
    """Put the address back on an erased row its owner is subscribing again with."""
    if subscriber.erased_at is not None:
        subscriber.address = address
        subscriber.erased_at = None


def mask(channel: str, address: str) -> str:
    """A form of the address that names nobody, for audit entries: j***@e***.com, +47***45."""
    if channel == EMAIL and "@" in address:
        local, _, domain = address.rpartition("@")
        name, dot, tld = domain.rpartition(".")
        return f"{local[:1]}***@{(name or tld)[:1]}***{dot}{tld if name else ''}"
    if channel == SMS:
        return f"{address[:3]}***{address[-2:]}"
    if channel in CHAT_CHANNELS:  # the address is the URL's fingerprint (subscriptions.chat)
        return f"{channel}:{address[:6]}***"
    scheme, sep, _rest = address.partition("://")
    return f"{scheme}{sep}***"


def erase_rows(rows: Iterable[Subscriber], now: datetime) -> list[Subscriber]:
    """Erase these public subscribers in the caller's transaction; the rows it erased.

    Each row is claimed with a conditional UPDATE (`erased_at IS NULL`), so two processes
    erasing at once erase it once. Its delivery records stay, for the counts, with the address
    taken out of their errors; its dev outbox messages go, and the audit entries about it keep
    a masked address instead. A row still open (an erasure request) is unsubscribed now.
    """
    erased: list[tuple[Subscriber, str]] = []
    for row in rows:
        if row.erased_at is not None or row.stakeholder_member_id is not None:
            continue
        address = row.address
        if _claim(row, now):
            erased.append((row, address))
    if erased:
        _scrub_traces(erased)
    return [row for row, _ in erased]


def _claim(row: Subscriber, now: datetime) -> bool:
    still_open = and_(Subscriber.unsubscribed_at.is_(None), Subscriber.suppressed_at.is_(None))
    done = execute_dml(
        update(Subscriber)
        .where(Subscriber.id == row.id, Subscriber.erased_at.is_(None))
        .values(address=erased_address(row.channel, row.address), erased_at=now,
                consent_ip=None, consent_note=None, code_hash=None, code_expires_at=None,
                code_attempts=0, secret=None, destination=None, opt_out_notice_at=None,
                token_version=Subscriber.token_version + 1,
                unsubscribed_at=case((still_open, now), else_=Subscriber.unsubscribed_at),
                suppression_reason=case((still_open, "user"),
                                        else_=Subscriber.suppression_reason))
        .execution_options(synchronize_session=False)
    ).rowcount
    if done:
        db.session.execute(delete(subscriber_component)
                           .where(subscriber_component.c.subscriber_id == row.id))
    db.session.expire(row)
    return bool(done)


def _scrub_traces(erased: list[tuple[Subscriber, str]]) -> None:
    for row, address in erased:
        masked = mask(row.channel, address)
        # A provider's error may quote the address ("550 <jane@…> does not exist").
        db.session.execute(
            update(Delivery)
            .where(Delivery.subscriber_id == row.id, Delivery.last_error.is_not(None))
            .values(last_error=func.replace(Delivery.last_error, address, masked))
            .execution_options(synchronize_session=False))
    by_address = {address: mask(row.channel, address) for row, address in erased}
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.to.in_(list(by_address)))
                       .execution_options(synchronize_session=False))
    entries = db.session.execute(
        select(AuditEntry).where(AuditEntry.target_type == "subscriber",
                                 AuditEntry.target_id.in_([row.public_id for row, _ in erased]))
    ).scalars()
    for entry in entries:
        entry.details = redact(entry.details, by_address)


def scrub_everywhere(channel: str, address: str) -> None:
    """Take one address out of every audit entry and import report that mentions it.

    A scan of the audit log and the imports: for an erasure request, not for the retention
    task's batches (which redact the entries about each erased row).
    """
    replacements = {address: mask(channel, address)}
    encoded = json_text(address)
    for entry in db.session.execute(
            select(AuditEntry).where(cast(AuditEntry.details, Text).contains(encoded,
                                                                            autoescape=True))
    ).scalars():
        entry.details = redact(entry.details, replacements)
    for job in db.session.execute(
            select(SubscriberImport).where(
                cast(SubscriberImport.errors, Text).contains(encoded, autoescape=True)
                | SubscriberImport.csv_text.contains(address, autoescape=True))
    ).scalars():
        job.errors = redact(job.errors, replacements)
        job.csv_text = job.csv_text.replace(address, REDACTED)


def json_text(text: str) -> str:
    """How a string appears inside a stored JSON document (for a LIKE over its text)."""
    return json.dumps(text)[1:-1]


def redact(value: Any, replacements: dict[str, str]) -> Any:
    """A copy of a JSON value with every string's addresses replaced."""
    if isinstance(value, str):
        for address, masked in replacements.items():
            value = value.replace(address, masked)
        return value
    if isinstance(value, list):
        return [redact(item, replacements) for item in value]
    if isinstance(value, dict):
        return {key: redact(item, replacements) for key, item in value.items()}
    return value
