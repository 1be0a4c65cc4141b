"""Use-case for the page settings (admin only in the console): validate, save, audit, publish.

Every setting a reader can see (name, URL, zone, branding) changes the public pages and API, so
a save moves the page's cache stamp on in the same transaction (`touch_page`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import available_timezones

import phonenumbers

from statuspage import audit
from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.core.transaction import use_case
from statuspage.models import Page, User
from statuspage.page import logos
from statuspage.page.record import get_page, touch_page

MAX_NAME = 255
MAX_URL = 500
MAX_FOOTER = 2_000
# Far above any real signup rate; a typo such as an extra zero still fits, a paste does not.
MAX_SMS_BUDGET = 1_000_000
_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
# Whitespace or control characters never belong in a URL placed in an attribute.
_UNSAFE_URL_CHARS = re.compile(r"[\s\x00-\x1f\x7f<>\"'`\\]")


@dataclass
class PageSettingsInput:
    """What the settings form edits (raw text where the use-case must validate it)."""

    name: str
    url: str
    time_zone: str
    logo_url: str = ""
    accent_color: str = "#2563eb"
    allow_email_subscribers: bool = True
    allow_sms_subscribers: bool = True
    allow_webhook_subscribers: bool = True
    sms_allowed_countries: str = ""
    # "" : numbers without a country code are read in the first allowed country.
    sms_default_country: str = ""
    sms_daily_signup_budget: int | None = 0
    email_footer: str = ""


# Files in a system zoneinfo directory that are not IANA zone names.
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    # Only real IANA names: ZoneInfo() alone would also take a file path.
    return frozenset(available_timezones()) - _NOT_ZONES


def settings_input(page: Page) -> PageSettingsInput:
    """The page's current settings, as the form shows them."""
    return PageSettingsInput(
        name=page.name, url=page.url, time_zone=page.time_zone, logo_url=page.logo_url or "",
        accent_color=page.accent_color,
        allow_email_subscribers=page.allow_email_subscribers,
        allow_sms_subscribers=page.allow_sms_subscribers,
        allow_webhook_subscribers=page.allow_webhook_subscribers,
        sms_allowed_countries=page.sms_allowed_countries,
        sms_default_country=page.sms_default_country or "",
        sms_daily_signup_budget=page.sms_daily_signup_budget,
        email_footer=page.email_footer,
    )


@use_case
def update_page_settings(data: PageSettingsInput, actor: User | None) -> Page:
    """Validate and save the page settings; audit what changed and republish the page.

    Raises DomainError naming the field at the first invalid value; nothing is saved then.
    """
    clean = _validated(data)
    page = get_page()
    changed = {}
    for item in fields(PageSettingsInput):
        new = getattr(clean, item.name)
        if item.name == "logo_url":
            new = new or None
        old = getattr(page, item.name)
        if old != new:
            # The footer can be long: the audit entry notes that it changed, not the text.
            changed[item.name] = ({"changed": True} if item.name == "email_footer"
                                  else {"old": old, "new": new})
            setattr(page, item.name, new)
    if "logo_url" in changed:
        logos.forget_unused(page.logo_url)
    if changed:
        audit.record(actor, "page.settings", "page", page.public_id, changes=changed)
        touch_page()
    db.session.commit()
    return page


def _validated(data: PageSettingsInput) -> PageSettingsInput:
    countries = _countries(data.sms_allowed_countries, bool(data.allow_sms_subscribers))
    return PageSettingsInput(
        name=_name(data.name),
        url=_page_url(data.url),
        time_zone=_time_zone(data.time_zone),
        logo_url=_logo_url(data.logo_url),
        accent_color=_accent(data.accent_color),
        allow_email_subscribers=bool(data.allow_email_subscribers),
        allow_sms_subscribers=bool(data.allow_sms_subscribers),
        allow_webhook_subscribers=bool(data.allow_webhook_subscribers),
        sms_allowed_countries=countries,
        sms_default_country=_default_country(data.sms_default_country, countries),
        sms_daily_signup_budget=_budget(data.sms_daily_signup_budget),
        email_footer=_footer(data.email_footer),
    )


def _name(value: str) -> str:
    name = " ".join((value or "").split())
    if not name:
        raise DomainError("Give the page a name.", "name")
    if len(name) > MAX_NAME:
        raise DomainError(f"Use at most {MAX_NAME} characters.", "name")
    return name


def _page_url(value: str) -> str:
    url = (value or "").strip()
    if not url:
        raise DomainError("Give the page's public address, e.g. https://status.example.com.",
                          "url")
    parts = urlsplit(url)
    if (len(url) > MAX_URL or parts.scheme not in ("http", "https") or not parts.hostname
            or _UNSAFE_URL_CHARS.search(url)):
        raise DomainError("Use an absolute http:// or https:// address, "
                          "e.g. https://status.example.com.", "url")
    return url


def _time_zone(value: str) -> str:
    zone = (value or "").strip()
    if zone not in _zones():
        raise DomainError("Use an IANA time zone name such as Europe/Oslo or America/New_York.",
                          "time_zone")
    return zone


def _logo_url(value: str) -> str:
    url = (value or "").strip()
    if not url:
        return ""
    if len(url) > MAX_URL or _UNSAFE_URL_CHARS.search(url):
        raise DomainError(f"Use a URL of at most {MAX_URL} characters, without spaces.",
                          "logo_url")
    parts = urlsplit(url)
    # A path on this site ("/static/logo.svg"), never "//host" (another site, scheme-relative).
    site_path = url.startswith("/") and not url.startswith("//")
    if not (site_path or (parts.scheme == "https" and parts.hostname)):
        raise DomainError("Use an https:// address or a path on this site such as "
                          "/static/logo.svg.", "logo_url")
    return url


def _accent(value: str) -> str:
    color = (value or "").strip()
    if not _COLOR.fullmatch(color):
        raise DomainError("Use a colour in the form #rrggbb, e.g. #2563eb.", "accent_color")
    return color.lower()


def _countries(value: str, sms_open: bool) -> str:
    codes: list[str] = []
    for code in re.split(r"[\s,;]+", (value or "").upper()):
        if code and code not in codes:
            codes.append(code)
    unknown = [c for c in codes if c not in phonenumbers.SUPPORTED_REGIONS]
    if unknown:
        raise DomainError(f"Unknown country code{'s' if len(unknown) > 1 else ''}: "
                          f"{', '.join(unknown)}. Use ISO 3166 codes such as US, GB, NO.",
                          "sms_allowed_countries")
    if sms_open and not codes:
        raise DomainError("List at least one country, or close SMS subscriptions.",
                          "sms_allowed_countries")
    joined = ",".join(codes)
    if len(joined) > MAX_URL:
        raise DomainError("That is too many countries for one list.", "sms_allowed_countries")
    return joined


def _default_country(value: str, countries: str) -> str:
    code = (value or "").strip().upper()
    if code and code not in countries.split(","):
        raise DomainError("Choose one of the countries SMS subscribers may sign up from "
                          "(or the first of them).", "sms_default_country")
    return code


def _budget(value: int | None) -> int:
    if value is None or value < 0 or value > MAX_SMS_BUDGET:
        raise DomainError(f"Use a whole number from 0 to {MAX_SMS_BUDGET}.",
                          "sms_daily_signup_budget")
    return value


def _footer(value: str) -> str:
    footer = (value or "").strip()
    if len(footer) > MAX_FOOTER:
        raise DomainError(f"Use at most {MAX_FOOTER} characters.", "email_footer")
    return footer
