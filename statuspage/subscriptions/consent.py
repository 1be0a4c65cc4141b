"""Consent obtained elsewhere: subscribers staff vouch for, confirmed without a confirmation.

Only admins may add them (`require_admin_for_preconfirmed`), always with a note saying how and
when these people agreed (`consent_note`); they are saved confirmed, with the consent's source
(CONSOLE, IMPORT or API), time and note. The console's add form and the management API
(statuspage.subscriptions.admin) and the CSV import (statuspage.subscriptions.imports and
csv_save) share these rules.
"""

from __future__ import annotations

from collections.abc import Sequence

from statuspage.core.errors import DomainError, PermissionDenied
from statuspage.models import Component, Subscriber, User, utcnow

MAX_NOTE = 500
# consent_source of subscribers added by staff: in the console, by a CSV import, or through
# the management API (statuspage/api/v1_subscribers.py) with a token.
CONSOLE, IMPORT, API = "console", "import", "api"


def require_admin_for_preconfirmed(actor: User | None) -> None:
    """Only admins may vouch for consent obtained outside this page."""
    if actor is not None and actor.role != "admin":
        raise PermissionDenied("Only admins can add subscribers whose consent was obtained "
                               "elsewhere.", "pre_confirmed")


def consent_note(note: str, field_name: str = "consent_note") -> str:
    """The required note saying how consent was obtained (for pre-confirmed subscribers)."""
    text = " ".join((note or "").split())
    if not text:
        raise DomainError("Say how and when these people agreed to receive updates.",
                          field_name)
    if len(text) > MAX_NOTE:
        raise DomainError(f"Use at most {MAX_NOTE} characters.", field_name)
    return text


def confirmed_subscriber(channel: str, address: str, language: str,
                         components: Sequence[Component], source: str,
                         note: str) -> Subscriber:
    """A new, already confirmed subscriber (not yet added to the session).

    `address` and `language` must already be normalised.
    """
    subscriber = Subscriber(channel=channel, address=address, language=language,
                            components=list(components))
    mark_confirmed(subscriber, source, note)
    return subscriber


def mark_confirmed(subscriber: Subscriber, source: str, note: str) -> None:
    """Record consent obtained elsewhere: confirmed now, with its source and note."""
    now = utcnow()
    subscriber.confirmed_at = now
    subscriber.consent_source = source
    subscriber.consent_at = now
    subscriber.consent_note = note
