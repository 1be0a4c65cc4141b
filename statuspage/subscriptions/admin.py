"""Console use-cases for subscribers: add, remove, resend a confirmation.

What only the console does, each with its audit entry: adding someone, either unconfirmed with
the confirmation `subscriptions.subscribe` sends, as the public page does, or (admins only)
with consent obtained elsewhere and a note (statuspage.subscriptions.consent); removing a
subscriber; sending a confirmation again. Finding subscribers is
statuspage.subscriptions.queries; CSV export and import are csv_export, csv_rows and csv_save.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete

from statuspage import audit
from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.core.transaction import use_case
from statuspage.models import Delivery, Subscriber, User
from statuspage.subscriptions import chat
from statuspage.subscriptions import subscribe as subscriptions
from statuspage.subscriptions.consent import (
    CONSOLE,
    confirmed_subscriber,
    consent_note,
    require_admin_for_preconfirmed,
)
from statuspage.subscriptions.normalise import (
    normalise_address,
    normalise_channel,
    normalise_language,
)


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
    # Who adds them: the console, or the management API (consent.API), as consent_source.
    source: str = CONSOLE


@use_case
def add_subscriber(data: NewSubscriber, actor: User | None) -> Subscriber:
    """Add a subscriber from the console (or the management API: `data.source`).

    Pre-confirmed (admins only): saved as confirmed with consent source `data.source` and the
    note. Otherwise `subscriptions.subscribe` creates them unconfirmed and sends the
    confirmation (email link, SMS code or webhook test), exactly as the public page does.
    """
    if data.pre_confirmed:
        return _add_confirmed(data, actor)
    channel = normalise_channel(data.channel, chat=True)
    existing = subscriptions.find_subscriber(channel, normalise_address(channel, data.address))
    # Staff may see the state (the public form must not reveal it). Someone who unsubscribed
    # may be asked again: the confirmation lets them decide.
    if existing is not None and existing.state != "unsubscribed":
        raise DomainError(f"This address is already on the list ({existing.state}).",
                          "address")
    subscriber = subscriptions.subscribe(channel, data.address, data.component_ids,
                                         data.language, None, source=data.source)
    # subscribe() commits on its own; the audit entry follows in a second, small commit.
    audit.record(actor, "subscriber.add", "subscriber", subscriber.public_id,
                 channel=subscriber.channel, address=subscriber.address,
                 confirmation_sent=True, source=data.source)
    db.session.commit()
    return subscriber


def _add_confirmed(data: NewSubscriber, actor: User | None) -> Subscriber:
    require_admin_for_preconfirmed(actor)
    note = consent_note(data.consent_note)
    channel = normalise_channel(data.channel, chat=True)
    address = normalise_address(channel, data.address)
    language = normalise_language(data.language)
    existing = subscriptions.find_subscriber(channel, address)
    if existing is not None:
        raise DomainError(f"This address is already on the list ({existing.state}).",
                          "address")
    subscriber = confirmed_subscriber(channel, address, language,
                                      subscriptions.resolve_components(data.component_ids),
                                      data.source, note)
    if chat.is_chat(channel):  # sealed as a sign-up seals it (subscriptions.chat)
        subscriber.destination = chat.sealed_destination(channel, data.address)
    db.session.add(subscriber)
    db.session.flush()
    audit.record(actor, "subscriber.add", "subscriber", subscriber.public_id,
                 channel=channel, address=address, pre_confirmed=True, note=note,
                 source=data.source)
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
