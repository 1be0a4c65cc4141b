"""The checks behind the page settings: what each value must be before the page takes it.

One function per field, each taking what was typed and returning the value to store, or raising
a DomainError naming that field: a name, public and logo addresses safe to place in an attribute,
an IANA time zone, a #rrggbb colour, known SMS countries with the default among them, a daily SMS
budget and a footer within bounds. statuspage.page.settings runs them all before it saves.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import available_timezones

import phonenumbers

from statuspage.core.errors import DomainError

MAX_NAME = 255
MAX_URL = 500
MAX_FOOTER = 2_000
# Far above any real signup rate; a typo such as an extra zero still fits, a paste does not.
MAX_SMS_BUDGET = 1_000_000
_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
# Whitespace or control characters never belong in a URL placed in an attribute.
_UNSAFE_URL_CHARS = re.compile(r"[\s\x00-\x1f\x7f<>\"'`\\]")

# Files in a system zoneinfo directory that are not IANA zone names.
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    # Only real IANA names: ZoneInfo() alone would also take a file path.
    return frozenset(available_timezones()) - _NOT_ZONES


def time_zones() -> list[str]:
    """Every time zone name the page takes, sorted (the API document lists them)."""
    return sorted(_zones())


def check_name(value: str) -> str:
    name = " ".join((value or "").split())
    if not name:
        raise DomainError("Give the page a name.", "name")
    if len(name) > MAX_NAME:
        raise DomainError(f"Use at most {MAX_NAME} characters.", "name")
    return name


def check_page_url(value: str) -> str:
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


def check_time_zone(value: str) -> str:
    zone = (value or "").strip()
    if zone not in _zones():
        raise DomainError("Use an IANA time zone name such as Europe/Oslo or America/New_York.",
                          "time_zone")
    return zone


def check_logo_url(value: str) -> str:
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


def check_accent(value: str) -> str:
    color = (value or "").strip()
    if not _COLOR.fullmatch(color):
        raise DomainError("Use a colour in the form #rrggbb, e.g. #2563eb.", "accent_color")
    return color.lower()


def check_countries(value: str, sms_open: bool) -> str:
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


def check_default_country(value: str, countries: str) -> str:
    code = (value or "").strip().upper()
    if code and code not in countries.split(","):
        raise DomainError("Choose one of the countries SMS subscribers may sign up from "
                          "(or the first of them).", "sms_default_country")
    return code


def check_budget(value: int | None) -> int:
    if value is None or value < 0 or value > MAX_SMS_BUDGET:
        raise DomainError(f"Use a whole number from 0 to {MAX_SMS_BUDGET}.",
                          "sms_daily_signup_budget")
    return value


def check_footer(value: str) -> str:
    footer = (value or "").strip()
    if len(footer) > MAX_FOOTER:
        raise DomainError(f"Use at most {MAX_FOOTER} characters.", "email_footer")
    return footer
