"""Leaving and coming back: unsubscribe, suppression, and a subscriber's own resubscribe.

A subscriber leaves by their own choice (an unsubscribe link, STOP, a spam report) or because
the provider says the address is dead (a bounce, a dead number): both stop every message at
once, and both keep their first time and reason. Only a choice can be taken back by the
subscriber (`can_resubscribe_itself`); a resubscribe is a new consent.
"""

from __future__ import annotations

from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.core.transaction import use_case
from statuspage.models import Subscriber, utcnow
from statuspage.models.subscribers import SUPPRESSION_REASONS

# Suppressions a subscriber may undo from their manage page. A bounce or a dead number would
# only fail again; an unsubscribe, a STOP or a spam report was a choice they can take back.
SELF_RESUBSCRIBE_REASONS = frozenset({"user", "stop", "spam_report"})


@use_case
def unsubscribe(subscriber: Subscriber, reason: str = "user") -> Subscriber:
    """Stop every message to this subscriber (link, STOP, provider unsubscribe event).

    Idempotent: the first time and reason are kept. Links keep working, so a second click on
    an unsubscribe link still says "unsubscribed" rather than "invalid link".
    """
    _check_reason(reason)
    if subscriber.unsubscribed_at is None:
        subscriber.unsubscribed_at = utcnow()
        if subscriber.suppressed_at is None:
            subscriber.suppression_reason = reason
        subscriber.code_hash = None
        db.session.commit()
    return subscriber


@use_case
def suppress(subscriber: Subscriber, reason: str) -> Subscriber:
    """Stop messages because the provider says the address is dead or complained (bounce…)."""
    _check_reason(reason)
    if subscriber.suppressed_at is None:
        subscriber.suppressed_at = utcnow()
        subscriber.suppression_reason = reason
        subscriber.code_hash = None
        db.session.commit()
    return subscriber


@use_case
def resubscribe(subscriber: Subscriber, source: str = "resubscribe",
                ip: str | None = None) -> Subscriber:
    """Undo an unsubscribe or suppression (START by SMS, the manage page's button).

    The subscriber asked through their own address or link, so this is a new consent; one
    never confirmed stays unconfirmed.
    """
    if subscriber.unsubscribed_at is None and subscriber.suppressed_at is None:
        return subscriber
    subscriber.unsubscribed_at = None
    subscriber.suppressed_at = None
    subscriber.suppression_reason = None
    # A new consent: the next text says again how to stop (carriers require it).
    subscriber.opt_out_notice_at = None
    subscriber.consent_source = source[:32]
    subscriber.consent_at = utcnow()
    if ip:
        subscriber.consent_ip = ip[:64]
    db.session.commit()
    return subscriber


def can_resubscribe_itself(subscriber: Subscriber) -> bool:
    """Whether the manage page offers "subscribe again" (not after a bounce or dead number)."""
    return (subscriber.state in ("unsubscribed", "suppressed")
            and subscriber.confirmed_at is not None
            and (subscriber.suppression_reason or "user") in SELF_RESUBSCRIBE_REASONS)


def _check_reason(reason: str) -> None:
    if reason not in SUPPRESSION_REASONS:
        raise DomainError(f"Unknown reason {reason!r}.")
