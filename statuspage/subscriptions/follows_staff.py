"""Staff adding someone to an incident's followers (Statuspage's "incident subscribers").

The management API's POST /incidents/{id}/subscribers. The same rules as a visitor's follow
(subscriptions.follows): only an open, public incident on a page that allows incident
subscriptions, by email or SMS where those channels are open. Two ways in, as for page
subscribers (subscriptions.admin):
- with the double opt-in: the follow starts unconfirmed and its owner gets the confirmation
  (link or code), as on the incident's page;
- with consent obtained elsewhere (admins only, a note saying how): confirmed at once.
Unlike the public form, staff are told when the address already follows the incident.
"""

from __future__ import annotations

from dataclasses import dataclass

from statuspage import audit
from statuspage.core.errors import Conflict, DomainError
from statuspage.core.extensions import db
from statuspage.core.transaction import use_case
from statuspage.models import Incident, Subscriber, User
from statuspage.page.record import get_page
from statuspage.subscriptions import follows, same_address
from statuspage.subscriptions import subscribe as subscriptions
from statuspage.subscriptions.consent import (
    CONSOLE,
    confirmed_subscriber,
    consent_note,
    require_admin_for_preconfirmed,
)


@dataclass
class NewFollower:
    """Who is to follow the incident, and how their consent was obtained."""

    channel: str
    address: str
    language: str = "en"
    pre_confirmed: bool = False
    consent_note: str = ""
    source: str = CONSOLE


@use_case
def add_follower(incident: Incident, data: NewFollower, actor: User | None) -> Subscriber:
    """Start a follow of `incident` for someone (see the module for the two ways)."""
    page = get_page()
    if not follows.followable(incident, page):
        raise Conflict("This incident cannot be followed: it is a maintenance, closed or "
                       "awaiting approval, or the page does not allow incident "
                       "subscriptions.", "incident_id")
    channel = subscriptions.normalise_channel(data.channel)
    if channel not in follows.follow_channels(page):
        raise Conflict(f"Following incidents by {channel} is not open on this page.",
                       "channel")
    address = subscriptions.normalise_address(channel, data.address)
    language = subscriptions.normalise_language(data.language)
    existing = subscriptions.known_subscriber(channel, address, incident.id)
    if existing is not None and (data.pre_confirmed or existing.state != "unsubscribed"):
        raise DomainError(f"This address already follows the incident ({existing.state}).",
                          "address")
    if data.pre_confirmed:
        require_admin_for_preconfirmed(actor)
        subscriber = confirmed_subscriber(channel, address, language, [], data.source,
                                          consent_note(data.consent_note))
        subscriber.incident_id = incident.id
        # As sign_up does: a follow cannot reopen an address a provider suppressed.
        dead = same_address.suppressed_elsewhere(channel, address, None)
        if dead is not None:
            subscriber.suppressed_at = dead.suppressed_at
            subscriber.suppression_reason = dead.suppression_reason
        db.session.add(subscriber)
        db.session.flush()
    else:
        consent = subscriptions.Consent([], language, None, data.source)
        # sign_up commits and sends the confirmation; the audit entry follows in its own.
        subscriber = subscriptions.sign_up(channel, address, consent, incident.id)
    audit.record(actor, "subscriber.follow", "subscriber", subscriber.public_id,
                 channel=channel, address=address, incident=incident.public_id,
                 pre_confirmed=data.pre_confirmed, source=data.source)
    db.session.commit()
    return subscriber
