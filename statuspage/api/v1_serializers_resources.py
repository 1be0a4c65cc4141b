"""Models → the Manage API (v1) records of component groups, subscribers, uptime and the page
profile, under Statuspage's names (its Manage API models `GroupComponent`, `Subscriber`,
`ComponentUptime`, `Page`), plus a few keys of our own where we know more (a subscriber's
`state`, the incident a follower follows; the page settings Statuspage does not have).

A chat destination's URL is a credential: a subscriber record shows its mask only
(`obfuscated_channel_name`), never the URL; a webhook's signing secret never leaves the console.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

from statuspage.api.v1_serializers import page_record
from statuspage.models import Component, Subscriber
from statuspage.models.subscribers import EMAIL, SMS, WEBHOOK
from statuspage.page.serializers import PageContext, Payload
from statuspage.page.uptime_range import UptimeFigures
from statuspage.subscriptions import chat


def group_record(ctx: PageContext, group: Component) -> Payload:
    """A component group as Statuspage's `GroupComponent`."""
    return {
        "id": group.public_id,
        "page_id": ctx.page.public_id,
        "name": group.name,
        "description": group.description,
        "components": [c.public_id for c in group.children],
        "position": group.position,
        "created_at": ctx.ts(group.created_at),
        "updated_at": ctx.ts(group.updated_at),
    }


def uptime_record(ctx: PageContext, component: Component, figures: UptimeFigures) -> Payload:
    """`ComponentUptime` / `ComponentGroupUptime`: the range is whole days in the page's zone."""
    return {
        "id": component.public_id,
        "name": component.name,
        "range_start": figures.first.isoformat(),
        "range_end": figures.last.isoformat(),
        "uptime_percentage": figures.uptime_percent,
        "major_outage": figures.major_seconds,
        "partial_outage": figures.partial_seconds,
        "warnings": figures.warnings,
        "related_events": [{"id": i} for i in figures.incident_ids],
    }


def _phone(subscriber: Subscriber) -> dict[str, str | None]:
    try:
        number = phonenumbers.parse(subscriber.address, None)
    except NumberParseException:
        return {"phone_number": subscriber.address, "phone_country": None,
                "display_phone_number": subscriber.address}
    return {
        "phone_number": str(number.national_number),
        "phone_country": phonenumbers.region_code_for_number(number),
        "display_phone_number": phonenumbers.format_number(
            number, PhoneNumberFormat.INTERNATIONAL),
    }


def subscriber_record(ctx: PageContext, subscriber: Subscriber) -> Payload:
    """A subscriber as Statuspage's `Subscriber`, with our `state`, `incident_id`,
    `confirmed_at`, `unsubscribed_at` and `language`. `components` empty: all of them."""
    sms = subscriber.channel == SMS
    phone = _phone(subscriber) if sms else dict.fromkeys(
        ("phone_number", "phone_country", "display_phone_number"))
    return {
        "id": subscriber.public_id,
        "mode": subscriber.channel,
        "skip_confirmation_notification": subscriber.consent_note is not None,
        "email": subscriber.address if subscriber.channel == EMAIL else None,
        "endpoint": subscriber.address if subscriber.channel == WEBHOOK else None,
        **phone,
        "obfuscated_channel_name": (chat.shown_destination(subscriber) or None
                                    if chat.is_chat(subscriber.channel) else None),
        "workspace_name": None,
        "quarantined_at": ctx.ts(subscriber.suppressed_at),
        "purge_at": None,
        "components": [c.public_id for c in subscriber.components],
        "page_access_user_id": None,
        "created_at": ctx.ts(subscriber.created_at),
        "state": "quarantined" if subscriber.state == "suppressed" else subscriber.state,
        "incident_id": subscriber.incident.public_id if subscriber.incident else None,
        "confirmed_at": ctx.ts(subscriber.confirmed_at),
        "unsubscribed_at": ctx.ts(subscriber.unsubscribed_at),
        "language": subscriber.language,
    }


def page_profile(ctx: PageContext, mail_from: str) -> Payload:
    """The page as Statuspage's `Page`: our settings under its names, and the settings it
    does not have under ours (`accent_color`, `logo_url`, `allow_chat_subscribers`)."""
    page = ctx.page
    channels = (page.allow_email_subscribers, page.allow_sms_subscribers,
                page.allow_webhook_subscribers, page.allow_chat_subscribers)
    return {
        **page_record(ctx),
        "created_at": None,
        "domain": urlsplit(page.url).hostname,
        "subdomain": None,
        "branding": "basic",
        "hidden_from_search": False,
        "allow_page_subscribers": any(channels),
        "allow_rss_atom_feeds": True,
        "allow_chat_subscribers": page.allow_chat_subscribers,
        "viewers_must_be_team_members": False,
        "notifications_from_email": mail_from,
        "notifications_email_footer": page.email_footer,
        "accent_color": page.accent_color,
        "logo_url": page.logo_url,
    }
