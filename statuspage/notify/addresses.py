"""Subscriber addresses: an email, a phone number or a webhook URL, normalised or refused.

Every address is stored in one canonical form (lower-case email, E.164 number, checked URL),
so the same person typing their address differently finds the same subscriber, and the
unique (channel, address) key holds.

A chat destination (Slack, Microsoft Teams, Discord, Google Chat) is a secret URL: its
canonical address is the keyed fingerprint of the URL as notify.chat checks it
(core.sealing), never the URL; the URL itself is stored sealed (statuspage.subscriptions.chat).
"""

from __future__ import annotations

import re

import phonenumbers
from babel import Locale
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from statuspage.core.errors import DomainError
from statuspage.core.i18n import N_, current_language
from statuspage.core.sealing import fingerprint
from statuspage.models import Page
from statuspage.models.subscribers import CHAT_CHANNELS, EMAIL, SMS, WEBHOOK
from statuspage.notify.chat.destinations import destination_address
from statuspage.notify.webhook import check_webhook_url

# Number types a text message can reach. US and Canadian numbers cannot be told apart
# (FIXED_LINE_OR_MOBILE) and VoIP numbers usually take SMS. Fixed lines, where the numbering
# plan shows them, cannot receive texts, so a code sent there is money spent for nothing;
# premium-rate, shared-cost, toll-free and personal numbers are the ranges SMS pumping abuses.
SMS_CAPABLE_TYPES = frozenset({
    PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE, PhoneNumberType.VOIP,
})
# Refusals are English here and translated when raised (the visitor's language).
REFUSED_TYPE_MESSAGES = {
    PhoneNumberType.PREMIUM_RATE: N_("Premium-rate numbers cannot subscribe."),
    PhoneNumberType.SHARED_COST: N_("Shared-cost numbers cannot subscribe."),
    PhoneNumberType.TOLL_FREE: N_("Toll-free numbers cannot receive text messages."),
    PhoneNumberType.FIXED_LINE: N_("This looks like a landline; enter a mobile number."),
}
# How many leading digits of an E.164 number make a "prefix" for the SMS pumping limits:
# enough to single out a number range, few enough to group a bot's sequential numbers.
PREFIX_DIGITS = 6
_EMPTY = {EMAIL: N_("Enter your email address."), SMS: N_("Enter your mobile number."),
          WEBHOOK: N_("Enter the URL to send notifications to.")}
_EMPTY_CHAT = N_("Paste the incoming webhook URL of your channel.")
# What a chat destination's canonical address looks like (core.sealing.fingerprint).
_FINGERPRINT = re.compile(r"[0-9a-f]{64}")


def normalise_email(raw: str) -> str:
    """A syntactically valid address in the form our email provider takes; no DNS lookups.

    SendGrid accepts only ASCII addresses and refuses a whole send over one that is not, so
    the domain is stored as its ASCII A-label (bücher.example -> xn--bcher-kva.example) and an
    address whose local part is not ASCII (SMTPUTF8) is refused with a message saying so.
    Lower-cased, so one person typing it differently is one subscriber.
    """
    text = raw.strip()
    try:
        valid = validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        if "@" in text and not text.rpartition("@")[0].isascii():
            raise DomainError(_("We can only send email to addresses whose part before the @ "
                                "uses plain letters (a-z, no accents), digits and punctuation. "
                                "Enter another address."), "address") from None
        raise DomainError(_("Enter a valid email address (%(reason)s).", reason=exc),
                          "address") from None
    return (valid.ascii_email or valid.normalized).lower()


def _ascii_email_or_raw(raw: str) -> str:
    try:
        valid = validate_email(raw, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return raw.lower()
    return (valid.ascii_email or valid.normalized).lower()


def configured_regions(page: Page) -> list[str]:
    """The page's SMS countries as ISO codes, in the order configured."""
    return [code.strip().upper() for code in (page.sms_allowed_countries or "").split(",")
            if code.strip()]


def default_region(page: Page) -> str:
    """The country a number without a country code is read in: Page.sms_default_country
    when it is one of the allowed, else the first allowed ("" when SMS has none)."""
    regions = configured_regions(page)
    chosen = (page.sms_default_country or "").upper()
    return chosen if chosen in regions else (regions[0] if regions else "")


def allowed_regions(page: Page) -> list[str]:
    """The page's SMS countries as ISO codes, the default country (default_region) first:
    every reader of a typed number (subscribe form, limits, stakeholder phones) takes the
    first as the country of a number written without a country code."""
    regions = configured_regions(page)
    default = default_region(page)
    return [default, *(r for r in regions if r != default)] if default else regions


def country_names(regions: list[str]) -> str:
    """"United States (+1), Norway (+47)": how the form names the countries it accepts.

    Named in the reader's language ("Norge (+47)"), from Babel's CLDR territory names:
    phonenumbers' geocoder holds the same names but loads ~100 MB of per-prefix place names
    with them, into every process that imports this module (the worker and sms too).
    """
    names = []
    territories = Locale.parse(current_language()).territories
    for region in regions:
        name = territories.get(region) or region
        names.append(f"{name} (+{phonenumbers.country_code_for_region(region)})")
    return ", ".join(names)


def normalise_phone(raw: str, regions: list[str]) -> str:
    """An E.164 number in one of `regions`, able to receive SMS, or a DomainError saying why.

    A number written without a country code is read as one of the first region's.
    """
    if not regions:
        raise DomainError(_("Text message subscriptions are not open on this page."), "channel")
    try:
        number = phonenumbers.parse(raw.strip(), regions[0])
    except NumberParseException:
        raise DomainError(_("Enter a phone number, with its country code if it is not in "
                            "%(countries)s.", countries=country_names(regions[:1])),
                          "address") from None
    if not phonenumbers.is_valid_number(number):
        number = _with_international_00(raw) or number
    if not phonenumbers.is_valid_number(number):
        raise DomainError(_("This is not a valid phone number."), "address")
    region = phonenumbers.region_code_for_number(number)
    if region not in regions:
        raise DomainError(_("We can only send text messages to numbers in %(countries)s.",
                            countries=country_names(regions)), "address")
    kind = phonenumbers.number_type(number)
    if kind not in SMS_CAPABLE_TYPES:
        raise DomainError(_(REFUSED_TYPE_MESSAGES.get(
            kind, N_("This number cannot receive text messages; enter a mobile number."))),
            "address")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _with_international_00(raw: str) -> phonenumbers.PhoneNumber | None:
    # "0047 406 12 345": most of the world dials 00 before a country code, but the default
    # region's own prefix may differ (011 in North America), so read 00 as "+" as a fallback.
    digits = "".join(ch for ch in raw if ch.isdigit())
    if not digits.startswith("00") or raw.strip().startswith("+"):
        return None
    try:
        return phonenumbers.parse("+" + digits[2:], None)
    except NumberParseException:
        return None


def normalise_webhook_url(raw: str, allow_loopback: bool) -> str:
    """An https URL a webhook may be sent to (loopback http only when allowed, for tests)."""
    return check_webhook_url(raw.strip(), allow_loopback)


def normalise(channel: str, raw: str, page: Page, allow_loopback: bool) -> str:
    """The canonical address for a channel, or a DomainError on the `address` field."""
    if not raw or not raw.strip():
        empty = _EMPTY_CHAT if channel in CHAT_CHANNELS else _EMPTY.get(
            channel, N_("Enter an address."))
        raise DomainError(_(empty), "address")
    if channel == EMAIL:
        return normalise_email(raw)
    if channel == SMS:
        return normalise_phone(raw, allowed_regions(page))
    if channel in CHAT_CHANNELS:
        return chat_address(channel, raw, allow_loopback)
    return normalise_webhook_url(raw, allow_loopback)


def chat_address(provider: str, raw: str, allow_loopback: bool) -> str:
    """A chat destination's canonical address: the fingerprint of its checked URL, or the
    DomainError of notify.chat's check (on the `address` field)."""
    return destination_address(provider, raw, allow_loopback=allow_loopback)


def lenient(channel: str, raw: str, regions: list[str]) -> str:
    """Best-effort canonical form that never raises: for lookups and rate-limit keys."""
    raw = (raw or "").strip()
    if channel == EMAIL:
        return _ascii_email_or_raw(raw)
    if channel == SMS:
        try:
            number = phonenumbers.parse(raw, regions[0] if regions else None)
        except NumberParseException:
            return "".join(ch for ch in raw if ch.isdigit() or ch == "+")
        return phonenumbers.format_number(number, PhoneNumberFormat.E164)
    if channel in CHAT_CHANNELS:
        # Already a fingerprint (a stored address looked up again): kept, not hashed twice.
        if _FINGERPRINT.fullmatch(raw):
            return raw
        try:
            return chat_address(channel, raw, allow_loopback=True)
        except DomainError:
            return fingerprint(raw)
    return raw


def phone_prefix(e164: str) -> str:
    """The first PREFIX_DIGITS digits of a number, the bucket for per-range limits."""
    return "".join(ch for ch in e164 if ch.isdigit())[:PREFIX_DIGITS]


def mask_phone(e164: str) -> str:
    """`+1 ••• ••• 2671`: enough for the owner to recognise the number, no more."""
    try:
        country = f"+{phonenumbers.parse(e164, None).country_code}"
    except NumberParseException:
        country = ""
    return f"{country} ••• ••• {e164[-4:]}".strip()
