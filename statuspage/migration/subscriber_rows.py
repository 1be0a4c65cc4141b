"""A Statuspage subscriber read into our terms: channel, canonical address, components, state.

Addresses follow the sign-up's rules (statuspage.notify.addresses): an email in the form our
provider takes, an SMS number as E.164 in one of the page's SMS countries (read in the
subscriber's own `phone_country`), a webhook URL checked as the sign-up checks it, without a
DNS lookup per address (Statuspage reached it; the connect-time guard checks every send).
An address this page cannot reach is refused with a reason that names no one, so the report
can count and print it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

from statuspage.core.errors import DomainError
from statuspage.migration import values
from statuspage.migration.components import ComponentMap
from statuspage.migration.source import SourceSubscriber, fingerprint
from statuspage.models import Page
from statuspage.models.subscribers import EMAIL, SMS, WEBHOOK
from statuspage.notify import addresses
from statuspage.notify.webhook_guard import check_webhook_url

CHANNEL_OF_MODE = {"email": EMAIL, "sms": SMS, "webhook": WEBHOOK}


@dataclass
class SubscriberRow:
    source_id: str
    state: str  # source.ACTIVE, QUARANTINED or UNSUBSCRIBED
    channel: str
    address: str
    component_ids: list[int]
    # When they subscribed at Statuspage: the time of their consent.
    created_at: datetime | None
    fingerprint: str


def subscriber_fingerprint(source: SourceSubscriber) -> str:
    return fingerprint({"state": source.state, **source.data})


def mode_of(source: SourceSubscriber) -> str:
    return str(source.data.get("mode") or "").lower()


def read_row(source: SourceSubscriber, page: Page, allow_loopback: bool,
             components: ComponentMap) -> SubscriberRow:
    """The subscriber in our terms, or DomainError with a reason naming no one."""
    data = source.data
    channel = CHANNEL_OF_MODE[mode_of(source)]
    if channel == EMAIL:
        try:
            address = addresses.normalise_email(values.text(data.get("email")))
        except DomainError:
            raise DomainError("not an address our email provider takes.") from None
    elif channel == SMS:
        address = _phone(values.text(data.get("phone_number")),
                         values.text(data.get("phone_country")), page)
    else:
        address = check_webhook_url(values.text(data.get("endpoint")), allow_loopback,
                                    resolve_host=False)
    return SubscriberRow(
        source_id=str(data["id"]), state=source.state, channel=channel, address=address,
        component_ids=components.leaves(data.get("components")),
        created_at=values.timestamp(data.get("created_at")),
        fingerprint=subscriber_fingerprint(source))


def _phone(number: str, country: str, page: Page) -> str:
    """E.164 in one of the page's SMS countries; Statuspage keeps the national number and
    its country apart ("202-555-0105", "US")."""
    try:
        parsed = phonenumbers.parse(number.strip(), (country or "").upper() or None)
    except NumberParseException:
        raise DomainError("not a phone number.") from None
    e164 = phonenumbers.format_number(parsed, PhoneNumberFormat.E164)
    return addresses.normalise_phone(e164, addresses.allowed_regions(page))
