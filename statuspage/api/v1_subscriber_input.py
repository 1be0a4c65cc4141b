"""Reading Statuspage's subscriber bodies into the use-cases' inputs.

A subscriber is created with exactly one of `email`, `endpoint` (a webhook) or `phone_number`
(with `phone_country`, an ISO 3166 code, when the number has no `+` and country code);
`component_ids` chooses components (none: all), `skip_confirmation_notification: true`
vouches for consent obtained elsewhere. Statuspage also takes `email` beside `endpoint` (where
to report a failing webhook); we send no such report, so that pair is refused rather than the
address quietly dropped. `page_access_user` (audience-specific pages) does not exist here.

Without `skip_confirmation_notification`, the address gets the confirmation the console's add
sends (email link, SMS code, webhook test) and is subscribed once its owner confirms. With it,
the subscriber is confirmed at once and the consent record says "added via API by token
<name>" (statuspage.subscriptions.consent): the token's holder vouches for the consent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

from statuspage.api import v1_body as body
from statuspage.core.errors import DomainError
from statuspage.models import ApiToken
from statuspage.models.subscribers import EMAIL, SMS, WEBHOOK
from statuspage.subscriptions import admin, follows_staff
from statuspage.subscriptions.consent import API

CREATE_FIELDS = ("email", "endpoint", "phone_number", "phone_country",
                 "skip_confirmation_notification", "component_ids")
FOLLOW_FIELDS = ("email", "phone_number", "phone_country", "skip_confirmation_notification")
ADDRESS_FIELDS = {"email": EMAIL, "endpoint": WEBHOOK, "phone_number": SMS}
# ISO 3166 alpha-2, as the OpenAPI document states it.
COUNTRY_PATTERN = r"^[A-Z]{2}$"


def consent_note(token: ApiToken) -> str:
    """The consent record's note for a subscriber a token confirmed."""
    return f"added via API by token {token.name}"


@dataclass(frozen=True)
class Address:
    channel: str
    address: str
    skip_confirmation: bool


def _phone(raw: Mapping[str, Any], number: str) -> str:
    country = body.text(raw, "phone_country")
    if country is None:
        return number
    if not (len(country) == 2 and country.isascii() and country.isupper()):
        raise DomainError("phone_country must be a two-letter country code such as US.",
                          "phone_country")
    if number.strip().startswith("+"):
        return number
    try:
        parsed = phonenumbers.parse(number, country)
    except NumberParseException:
        return number  # the address check refuses it, naming phone_number
    return phonenumbers.format_number(parsed, PhoneNumberFormat.E164)


def address(raw: Mapping[str, Any]) -> Address:
    """The one address the body gives, its channel, and whether consent was vouched for."""
    given = [name for name in ADDRESS_FIELDS if raw.get(name) is not None]
    if len(given) != 1:
        raise DomainError("Give exactly one of email, endpoint or phone_number.",
                          given[1] if len(given) > 1 else "email")
    name = given[0]
    value = body.text(raw, name) or ""
    if raw.get("phone_country") is not None and name != "phone_number":
        raise DomainError("phone_country goes with phone_number only.", "phone_country")
    if name == "phone_number":
        value = _phone(raw, value)
    return Address(ADDRESS_FIELDS[name], value,
                   bool(body.flag(raw, "skip_confirmation_notification")))


def new_subscriber(raw: Mapping[str, Any], token: ApiToken) -> admin.NewSubscriber:
    given = address(raw)
    public_ids = body.id_list(raw, "component_ids") or []
    found = body.components_by_public_id(public_ids, "component_ids")
    return admin.NewSubscriber(
        channel=given.channel, address=given.address,
        component_ids=[found[i].id for i in public_ids],
        pre_confirmed=given.skip_confirmation,
        consent_note=consent_note(token) if given.skip_confirmation else "",
        source=API,
    )


def new_follower(raw: Mapping[str, Any], token: ApiToken) -> follows_staff.NewFollower:
    given = address(raw)
    return follows_staff.NewFollower(
        channel=given.channel, address=given.address,
        pre_confirmed=given.skip_confirmation,
        consent_note=consent_note(token) if given.skip_confirmation else "",
        source=API,
    )


def field_of(error: DomainError, channel: str) -> DomainError:
    """The use-cases name the address `address`; the body names it by channel."""
    if error.field == "address":
        error.field = {EMAIL: "email", WEBHOOK: "endpoint", SMS: "phone_number"}[channel]
    return error
