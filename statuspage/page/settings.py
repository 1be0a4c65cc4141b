"""Use-case for the page settings (admin only in the console): validate, save, audit, publish.

Every setting a reader can see (name, URL, zone, branding) changes the public pages and API, so
a save moves the page's cache stamp on in the same transaction (`touch_page`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from statuspage import audit
from statuspage.core.extensions import db
from statuspage.core.transaction import use_case
from statuspage.models import Page, User
from statuspage.page import logos
from statuspage.page.record import get_page, touch_page
from statuspage.page.settings_checks import (
    check_accent,
    check_budget,
    check_countries,
    check_default_country,
    check_footer,
    check_logo_url,
    check_name,
    check_page_url,
    check_time_zone,
)


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
    # "Get updates on this incident" on open incidents (subscriptions.follows).
    allow_incident_subscribers: bool = True
    sms_allowed_countries: str = ""
    # "" : numbers without a country code are read in the first allowed country.
    sms_default_country: str = ""
    sms_daily_signup_budget: int | None = 0
    email_footer: str = ""


def settings_input(page: Page) -> PageSettingsInput:
    """The page's current settings, as the form shows them."""
    return PageSettingsInput(
        name=page.name, url=page.url, time_zone=page.time_zone, logo_url=page.logo_url or "",
        accent_color=page.accent_color,
        allow_email_subscribers=page.allow_email_subscribers,
        allow_sms_subscribers=page.allow_sms_subscribers,
        allow_webhook_subscribers=page.allow_webhook_subscribers,
        allow_incident_subscribers=page.allow_incident_subscribers,
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
    countries = check_countries(data.sms_allowed_countries, bool(data.allow_sms_subscribers))
    return PageSettingsInput(
        name=check_name(data.name),
        url=check_page_url(data.url),
        time_zone=check_time_zone(data.time_zone),
        logo_url=check_logo_url(data.logo_url),
        accent_color=check_accent(data.accent_color),
        allow_email_subscribers=bool(data.allow_email_subscribers),
        allow_sms_subscribers=bool(data.allow_sms_subscribers),
        allow_webhook_subscribers=bool(data.allow_webhook_subscribers),
        allow_incident_subscribers=bool(data.allow_incident_subscribers),
        sms_allowed_countries=countries,
        sms_default_country=check_default_country(data.sms_default_country, countries),
        sms_daily_signup_budget=check_budget(data.sms_daily_signup_budget),
        email_footer=check_footer(data.email_footer),
    )
