"""Use-cases for subscribers: subscribe with double opt-in, confirm, manage.

Leaving and coming back (unsubscribe, suppression, resubscribe) are in subscriptions.leaving.

Rules that hold for every channel:
- Nothing but a confirmation is ever sent to an unconfirmed address; the fan-out streams only
  active subscribers (`Subscriber.is_active`).
- A sign-up never reveals whether an address is already subscribed: the answer is the same,
  and whatever the state, the only effect anyone can see comes through the address itself
  (a confirmation, a code, a link to the manage page, a test POST).
- An anonymous sign-up never changes an active subscription: its owner proves ownership
  through the message (manage link, code) and changes it on the manage page.
- Confirmation messages leave from a task, enqueued after the commit, never from the request.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from statuspage.core import jobs
from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.core.i18n import N_
from statuspage.core.tokens import CONFIRM
from statuspage.core.transaction import use_case
from statuspage.models import Component, Page, Subscriber, utcnow
from statuspage.models.subscribers import CHANNELS, EMAIL, SMS, WEBHOOK
from statuspage.notify import addresses
from statuspage.page.record import get_page
from statuspage.subscriptions import erasure, same_address
from statuspage.subscriptions.choice import change_components, resolve_components
from statuspage.subscriptions.codes import TooManyRequests, check_code, spend_sms_budget
from statuspage.subscriptions.links import (
    confirm_url,
    manage_url,
    recipient_for,
    subscriber_for_token,
    unsubscribe_url,
)

__all__ = [
    "Consent", "TooManyRequests", "change_components", "confirm_email", "confirm_url",
    "confirm_webhook", "enqueue_confirmation", "find_subscriber", "known_subscriber",
    "lookup_form", "manage_url", "normalise_address", "normalise_channel", "normalise_language",
    "open_channels", "recipient_for", "resend_confirmation", "resolve_components",
    "secret_issued", "sign_up", "subscribe", "unsubscribe_url", "verify_sms_code",
]

log = logging.getLogger(__name__)

CHANNEL_LABELS = {EMAIL: N_("email"), SMS: N_("text message"), WEBHOOK: N_("webhook")}
_SECRET_ISSUED = "_statuspage_secret_issued"
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?$")


def open_channels(page: Page) -> list[str]:
    """The channels the public may subscribe through, in display order."""
    allowed = {EMAIL: page.allow_email_subscribers, SMS: page.allow_sms_subscribers,
               WEBHOOK: page.allow_webhook_subscribers}
    return [channel for channel in CHANNELS if allowed[channel]]


def normalise_channel(raw: str) -> str:
    """"email", "sms" or "webhook" from what a form or a CSV cell says, or DomainError."""
    channel = (raw or "").strip().lower()
    if channel not in CHANNELS:
        raise DomainError(_("Choose how to receive updates: email, sms or webhook."), "channel")
    return channel


def normalise_address(channel: str, raw: str) -> str:
    """The canonical address for the channel (see notify.addresses), or DomainError."""
    return addresses.normalise(channel, raw, get_page(),
                               bool(current_app.config.get("WEBHOOK_ALLOW_LOOPBACK")))


def normalise_language(raw: str | None) -> str:
    """A language tag such as "en" or "pt-BR"; anything else falls back to "en"."""
    return raw.replace("_", "-") if raw and _LANGUAGE.match(raw) else "en"


def find_subscriber(channel: str, address: str) -> Subscriber | None:
    """The subscriber for an address as a provider or a form wrote it, if there is one."""
    return known_subscriber(channel, lookup_form(channel, address))


def lookup_form(channel: str, address: str) -> str:
    """The canonical form of an address as a provider or a form wrote it; never raises."""
    regions = addresses.allowed_regions(get_page()) if channel == SMS else []
    return addresses.lenient(channel, address.strip(), regions)


def known_subscriber(channel: str, normalised: str,
                     incident_id: int | None = None) -> Subscriber | None:
    """The public subscriber of a normalised address (page-wide, or following the incident
    `incident_id`), also once its data was erased (then found by the address's hash:
    subscriptions.erasure), so an opt-out outlives erasure."""
    scope = (Subscriber.page_wide() if incident_id is None
             else Subscriber.incident_id == incident_id)
    return db.session.execute(
        select(Subscriber).where(
            Subscriber.public(), scope, Subscriber.channel == channel,
            Subscriber.address.in_(erasure.lookup_addresses(channel, normalised)))
        .order_by(erasure.live_first()).limit(1)
    ).scalar_one_or_none()


@dataclass(frozen=True)
class Consent:
    """What a sign-up agrees to and where: the components (none: all), the language, the
    client's IP, and the source ("page" for the public form, see subscribe)."""

    components: list[Component]
    language: str
    ip: str | None
    source: str


@use_case
def subscribe(channel: str, address: str, component_ids: Iterable[int | str], language: str,
              ip: str | None, source: str = "page") -> Subscriber:
    """Start (or restart) a page-wide subscription; see sign_up.

    `source` "page" is the public form, which only the open channels accept; the console and
    imports pass their own source and are not bound by the public switches.
    """
    channel = normalise_channel(channel)
    page = get_page()
    if source == "page" and channel not in open_channels(page):
        raise DomainError(_("Subscriptions by %(channel)s are not open on this page.",
                            channel=_(CHANNEL_LABELS[channel])), "channel")
    normalised = normalise_address(channel, address)
    consent = Consent(resolve_components(component_ids), normalise_language(language), ip,
                      source)
    return sign_up(channel, normalised, consent)


def sign_up(channel: str, normalised: str, consent: Consent,
            incident_id: int | None = None) -> Subscriber:
    """The double opt-in of a normalised address, page-wide or following one incident
    (`incident_id`, see subscriptions.follows): commits, then sends the confirmation.

    An address already known is handled without revealing its state: unconfirmed → the
    confirmation is sent again; active → its owner gets a way to manage it; unsubscribed → a
    new consent and a new confirmation; suppressed (bounce, spam report) → nothing, quietly.
    An address a provider suppressed on another of its rows (subscriptions.same_address) is
    suppressed here too, quietly: a follow cannot reopen a bounced address, nor the page one.
    """
    page = get_page()
    subscriber = known_subscriber(channel, normalised, incident_id)
    if subscriber is not None and subscriber.suppressed_at is not None:
        return subscriber  # refused quietly: the page answers as for anyone else
    # Read before anything is added: a flush would hold the database's write lock longer.
    dead = same_address.suppressed_elsewhere(
        channel, normalised, subscriber.id if subscriber is not None else None)
    if subscriber is None:
        subscriber = Subscriber(channel=channel, address=normalised, token_version=1,
                                incident_id=incident_id)
        db.session.add(subscriber)
        _start(subscriber, consent)
    elif subscriber.unsubscribed_at is not None:
        # A new consent: links from the old subscription stop working. An erased row gets
        # its address back: the double opt-in asks its owner again, as before the erasure.
        erasure.restore_address(subscriber, normalised)
        subscriber.token_version += 1
        subscriber.unsubscribed_at = None
        subscriber.suppression_reason = None
        subscriber.confirmed_at = None
        _start(subscriber, consent)
    elif subscriber.confirmed_at is None:
        _start(subscriber, consent)
    # else active: nothing changes here; the confirmation task sends its owner a way in.
    if dead is not None:
        subscriber.suppressed_at = utcnow()
        subscriber.suppression_reason = dead.suppression_reason
    elif channel == SMS:
        spend_sms_budget(page)
    try:
        db.session.commit()
    except IntegrityError:
        # The same address was signed up at the same moment by another request, whose
        # confirmation is on its way: answer as for any known address.
        db.session.rollback()
        raced = known_subscriber(channel, normalised, incident_id)
        if raced is None:
            raise
        return raced
    enqueue_confirmation(subscriber)
    return subscriber


def _start(subscriber: Subscriber, consent: Consent) -> None:
    subscriber.components = consent.components
    subscriber.language = consent.language
    subscriber.consent_source = consent.source[:32]
    subscriber.consent_at = utcnow()
    subscriber.consent_ip = consent.ip[:64] if consent.ip else None
    subscriber.code_hash = None
    subscriber.code_attempts = 0
    if subscriber.channel == WEBHOOK:
        # Nothing was ever signed with an unconfirmed webhook's secret, so a new sign-up may
        # rotate it and show the new one to the person who just asked.
        subscriber.secret = secrets.token_urlsafe(32)
        subscriber.__dict__[_SECRET_ISSUED] = True


def secret_issued(subscriber: Subscriber) -> bool:
    """Whether `subscribe` just gave this webhook a new secret, for the page to show once.

    Kept on the object the call returned (not in the database): an active webhook signed up
    again keeps its secret, and the page must not show it to whoever typed the URL.
    """
    return bool(subscriber.__dict__.get(_SECRET_ISSUED))


@use_case
def resend_confirmation(subscriber: Subscriber) -> Subscriber:
    """Send the confirmation (code, link, test POST) again; quietly nothing if suppressed."""
    if subscriber.suppressed_at is not None or subscriber.unsubscribed_at is not None:
        return subscriber
    if subscriber.channel == SMS:
        spend_sms_budget(get_page())
    db.session.commit()
    enqueue_confirmation(subscriber)
    return subscriber


def enqueue_confirmation(subscriber: Subscriber) -> None:
    """Ask the worker to send the confirmation, after the caller's commit."""
    if subscriber.suppressed_at is not None:
        return
    # The sign-up is committed: if the queue is down, retried until it answers, and asking
    # again (the page says how) enqueues a new one.
    jobs.enqueue_or_retry("send_confirmation", subscriber.id,
                          what=f"the confirmation of subscriber {subscriber.public_id}")


@use_case
def confirm_email(token: str) -> Subscriber:
    """Confirm an email subscription from its link; confirming twice is harmless."""
    subscriber = subscriber_for_token(CONFIRM, token)
    if subscriber.channel != EMAIL:
        raise DomainError(_("This link is not valid."))
    if subscriber.unsubscribed_at is not None or subscriber.suppressed_at is not None:
        raise DomainError(_("This subscription was cancelled. Subscribe again to get updates."))
    if subscriber.confirmed_at is None:
        subscriber.confirmed_at = utcnow()
        db.session.commit()
    return subscriber


@use_case
def verify_sms_code(subscriber: Subscriber, code: str) -> Subscriber:
    """Confirm a number with the code texted to it: 15 minutes and five tries per code."""
    if subscriber.channel != SMS:
        raise DomainError(_("There is no code to enter for this subscription."), "code")
    if subscriber.suppressed_at is not None or subscriber.unsubscribed_at is not None:
        raise DomainError(_("There is no code waiting for this number. Subscribe again."),
                          "code")
    check_code(subscriber, code)  # commits the attempt, raises unless the code is right
    subscriber.code_hash = None
    subscriber.code_expires_at = None
    if subscriber.confirmed_at is None:
        subscriber.confirmed_at = utcnow()
    db.session.commit()
    return subscriber


@use_case
def confirm_webhook(subscriber: Subscriber) -> Subscriber:
    """Confirm a webhook whose test POST was answered with a 2xx."""
    if subscriber.channel != WEBHOOK:
        raise DomainError("Only a webhook is confirmed by a test request.")
    if subscriber.state == "unconfirmed":
        subscriber.confirmed_at = utcnow()
        db.session.commit()
    return subscriber
