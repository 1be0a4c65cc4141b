"""Console use-cases for subscribers: find, add, remove, resend a confirmation.

Addresses are normalised by the public sign-up's rules (`statuspage.notify.addresses`)
and confirmations sent by `subscriptions.subscribe`; this module adds what only the console
does: adding someone whose consent was obtained elsewhere (admins only, recorded with
a note), removing a subscriber, and the audit entries for both. CSV export and import live in
`statuspage.subscriptions.csv_export`, `csv_rows` and `csv_save`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import ColumnElement, Select, and_, delete, select
from sqlalchemy.orm import selectinload

from statuspage import audit
from statuspage.core.errors import DomainError, NotFound, PermissionDenied
from statuspage.core.extensions import db
from statuspage.core.transaction import use_case
from statuspage.models import CHANNELS, Component, Delivery, Subscriber, User, utcnow
from statuspage.notify import addresses
from statuspage.page.record import get_page
from statuspage.subscriptions import subscribe as subscriptions

STATES = ("active", "unconfirmed", "unsubscribed", "suppressed")
MAX_NOTE = 500
# consent_source of subscribers added with consent obtained elsewhere.
CONSOLE, IMPORT = "console", "import"
# Language tags as the public sign-up accepts them (statuspage.subscriptions.subscribe).
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})?")


@dataclass
class SubscriberFilter:
    """The list's search box and filters; empty values filter nothing."""

    search: str = ""
    channel: str = ""
    state: str = ""


@dataclass
class NewSubscriber:
    """What the console's add form submits."""

    channel: str
    address: str
    component_ids: list[int] = field(default_factory=list)
    language: str = "en"
    # Consent obtained elsewhere (admins only): confirmed at once, no confirmation is sent.
    pre_confirmed: bool = False
    consent_note: str = ""


def state_condition(state: str) -> ColumnElement[bool]:
    """The SQL form of Subscriber.state == state (suppression wins over unsubscription)."""
    if state == "suppressed":
        return Subscriber.suppressed_at.is_not(None)
    not_suppressed = Subscriber.suppressed_at.is_(None)
    if state == "unsubscribed":
        return and_(not_suppressed, Subscriber.unsubscribed_at.is_not(None))
    open_ = and_(not_suppressed, Subscriber.unsubscribed_at.is_(None))
    if state == "active":
        return and_(open_, Subscriber.confirmed_at.is_not(None))
    if state == "unconfirmed":
        return and_(open_, Subscriber.confirmed_at.is_(None))
    raise ValueError(f"unknown subscriber state {state!r}")


def _like_pattern(text: str) -> str:
    # The search is a substring match: escape LIKE's own wildcards in what was typed.
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def filtered(filters: SubscriberFilter) -> Select[Subscriber]:
    """Subscribers matching the filters (unordered), with their components loaded.

    Unknown channel or state values filter nothing (they come from a query string).
    """
    # Stakeholder members' rows belong to their group's page, not the subscriber list.
    query = (select(Subscriber).where(Subscriber.public())
             .options(selectinload(Subscriber.components)))
    search = filters.search.strip()
    if search:
        # A substring match, case-insensitive: a full scan, fine for a console search box.
        query = query.where(Subscriber.address.ilike(_like_pattern(search), escape="\\"))
    if filters.channel in CHANNELS:
        query = query.where(Subscriber.channel == filters.channel)
    if filters.state in STATES:
        query = query.where(state_condition(filters.state))
    return query


def subscriber_query(filters: SubscriberFilter) -> Select[Subscriber]:
    """The console list: matching subscribers, newest first."""
    return filtered(filters).order_by(Subscriber.id.desc())


def get_subscriber(public_id: str) -> Subscriber:
    """The subscriber with this public id; NotFound otherwise."""
    subscriber = db.session.execute(
        select(Subscriber).where(Subscriber.public_id == public_id, Subscriber.public())
        .options(selectinload(Subscriber.components))
    ).scalar_one_or_none()
    if subscriber is None:
        raise NotFound("No such subscriber.")
    return subscriber


def normalise_channel(raw: str) -> str:
    channel = (raw or "").strip().lower()
    if channel not in CHANNELS:
        raise DomainError("Use a channel: email, sms or webhook.", "channel")
    return channel


def normalise_address(channel: str, raw: str) -> str:
    """The canonical address, by the same rules as the public sign-up (SMS countries too)."""
    return addresses.normalise(channel, raw or "", get_page(),
                               bool(current_app.config.get("WEBHOOK_ALLOW_LOOPBACK")))


def normalise_language(raw: str) -> str:
    """A language tag such as "en" or "pt-BR" ("en" when empty), or DomainError.

    The public form quietly falls back to "en"; here a typo in a file is worth reporting.
    """
    text = (raw or "").strip().replace("_", "-")
    if not text:
        return "en"
    if not _LANGUAGE.fullmatch(text):
        raise DomainError(f"Unknown language {text!r}; use a tag such as en or pt-BR.",
                          "language")
    return text


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


@use_case
def add_subscriber(data: NewSubscriber, actor: User | None) -> Subscriber:
    """Add a subscriber from the console.

    Pre-confirmed (admins only): saved as confirmed with consent source "console" and the
    note. Otherwise `subscriptions.subscribe` creates them unconfirmed and sends the
    confirmation (email link, SMS code or webhook test), exactly as the public page does.
    """
    if data.pre_confirmed:
        return _add_confirmed(data, actor)
    channel = normalise_channel(data.channel)
    existing = subscriptions.find_subscriber(channel, normalise_address(channel, data.address))
    # Staff may see the state (the public form must not reveal it). Someone who unsubscribed
    # may be asked again: the confirmation lets them decide.
    if existing is not None and existing.state != "unsubscribed":
        raise DomainError(f"This address is already on the list ({existing.state}).",
                          "address")
    subscriber = subscriptions.subscribe(channel, data.address, data.component_ids,
                                         data.language, None, source=CONSOLE)
    # subscribe() commits on its own; the audit entry follows in a second, small commit.
    audit.record(actor, "subscriber.add", "subscriber", subscriber.public_id,
                 channel=subscriber.channel, address=subscriber.address,
                 confirmation_sent=True)
    db.session.commit()
    return subscriber


def _add_confirmed(data: NewSubscriber, actor: User | None) -> Subscriber:
    require_admin_for_preconfirmed(actor)
    note = consent_note(data.consent_note)
    channel = normalise_channel(data.channel)
    address = normalise_address(channel, data.address)
    language = normalise_language(data.language)
    existing = subscriptions.find_subscriber(channel, address)
    if existing is not None:
        raise DomainError(f"This address is already on the list ({existing.state}).",
                          "address")
    subscriber = confirmed_subscriber(channel, address, language,
                                      subscriptions.resolve_components(data.component_ids),
                                      CONSOLE, note)
    db.session.add(subscriber)
    db.session.flush()
    audit.record(actor, "subscriber.add", "subscriber", subscriber.public_id,
                 channel=channel, address=address, pre_confirmed=True, note=note)
    db.session.commit()
    return subscriber


@use_case
def remove_subscriber(subscriber: Subscriber, actor: User | None) -> None:
    """Delete a subscriber with their delivery records; the audit entry keeps who it was."""
    audit.record(actor, "subscriber.remove", "subscriber", subscriber.public_id,
                 channel=subscriber.channel, address=subscriber.address,
                 state=subscriber.state)
    # Explicit, because SQLite does not enforce the ON DELETE CASCADE of the foreign key.
    db.session.execute(delete(Delivery).where(Delivery.subscriber_id == subscriber.id))
    db.session.delete(subscriber)
    db.session.commit()


@use_case
def resend_confirmation(subscriber: Subscriber, actor: User | None) -> None:
    """Send an unconfirmed subscriber their confirmation again (link, code or test POST)."""
    if subscriber.state != "unconfirmed":
        raise DomainError("Only unconfirmed subscribers get a confirmation.")
    subscriptions.resend_confirmation(subscriber)
    audit.record(actor, "subscriber.resend_confirmation", "subscriber", subscriber.public_id,
                 channel=subscriber.channel)
    db.session.commit()
