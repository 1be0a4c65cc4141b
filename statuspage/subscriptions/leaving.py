"""Leaving and coming back: unsubscribe, suppression, and a subscriber's own resubscribe.

A subscriber leaves by their own choice (an unsubscribe link, STOP, a spam report) or because
the provider says the address is dead (a bounce, a dead number): both stop every message at
once, and both keep their first time and reason. Only a choice can be taken back by the
subscriber (`can_resubscribe_itself`); a resubscribe is a new consent.

A link ends one subscription (the page-wide one, or the follow of one incident); what
concerns the address itself (a STOP and its START, a bounce, a spam report, a dead number)
applies to every public row of the address (subscriptions.same_address).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.core.transaction import use_case
from statuspage.models import Subscriber, utcnow
from statuspage.models.subscribers import SUPPRESSION_REASONS
from statuspage.subscriptions import same_address

# Suppressions a subscriber may undo from their manage page. A bounce or a dead number would
# only fail again; an unsubscribe, a STOP or a spam report was a choice they can take back.
SELF_RESUBSCRIBE_REASONS = frozenset({"user", "stop", "spam_report"})
# An opt-out of the number itself (texted STOP, or the carrier says it opted out).
STOP = "stop"
# consent_source of a resubscribe by texting START from the number.
SMS_START = "sms_start"


@use_case
def unsubscribe(subscriber: Subscriber, reason: str = "user") -> Subscriber:
    """Stop every message to this subscriber (link, STOP, provider unsubscribe event).

    Idempotent: the first time and reason are kept. Links keep working, so a second click on
    an unsubscribe link still says "unsubscribed" rather than "invalid link". A STOP ends
    every row of the number (its follows of incidents too); any other reason this row only.
    """
    _check_reason(reason)
    now = utcnow()
    changed = False
    for row in [subscriber, *(_others(subscriber) if reason == STOP else [])]:
        changed = _unsubscribe_row(row, reason, now) or changed
    if changed:
        db.session.commit()
    return subscriber


def _unsubscribe_row(row: Subscriber, reason: str, now: datetime) -> bool:
    if row.unsubscribed_at is not None:
        return False
    row.unsubscribed_at = now
    if row.suppressed_at is None:
        row.suppression_reason = reason
    row.code_hash = None
    return True


@use_case
def suppress(subscriber: Subscriber, reason: str) -> Subscriber:
    """Stop messages because the provider says the address is dead or complained (bounce…):
    every public row of the address, page-wide and follows."""
    _check_reason(reason)
    now = utcnow()
    changed = False
    for row in [subscriber, *_others(subscriber)]:
        if row.suppressed_at is None:
            row.suppressed_at = now
            row.suppression_reason = reason
            row.code_hash = None
            changed = True
    if changed:
        db.session.commit()
    return subscriber


@use_case
def resubscribe(subscriber: Subscriber, source: str = "resubscribe",
                ip: str | None = None) -> Subscriber:
    """Undo an unsubscribe or suppression (START by SMS, the manage page's button).

    The subscriber asked through their own address or link, so this is a new consent; one
    never confirmed stays unconfirmed. START from a number also restores the number's other
    rows that its STOP ended (a follow of a finished incident then ends again, see follows).
    """
    if subscriber.unsubscribed_at is None and subscriber.suppressed_at is None:
        return subscriber
    now = utcnow()
    rows = [subscriber]
    if source == SMS_START:
        rows += [row for row in _others(subscriber) if row.suppression_reason == STOP]
    for row in rows:
        row.unsubscribed_at = None
        row.suppressed_at = None
        row.suppression_reason = None
        # A new consent: the next text says again how to stop (carriers require it).
        row.opt_out_notice_at = None
        row.consent_source = source[:32]
        row.consent_at = now
        if ip:
            row.consent_ip = ip[:64]
    db.session.commit()
    return subscriber


def can_resubscribe_itself(subscriber: Subscriber) -> bool:
    """Whether the manage page offers "subscribe again" (not after a bounce or dead number)."""
    return (subscriber.state in ("unsubscribed", "suppressed")
            and subscriber.confirmed_at is not None
            and (subscriber.suppression_reason or "user") in SELF_RESUBSCRIBE_REASONS
            # A follow comes back only while its incident is still open.
            and (subscriber.incident is None or not subscriber.incident.is_closed))


def _others(subscriber: Subscriber) -> list[Subscriber]:
    return list(db.session.execute(
        select(Subscriber).where(same_address.others(subscriber)).order_by(Subscriber.id)
    ).scalars())


def _check_reason(reason: str) -> None:
    if reason not in SUPPRESSION_REASONS:
        raise DomainError(f"Unknown reason {reason!r}.")
