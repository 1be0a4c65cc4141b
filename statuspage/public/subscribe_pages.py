"""What the subscribe and manage pages show, prepared for the templates (no queries in Jinja).

These pages are per visitor (forms, tokens, CSRF): never cached, and marked so, with no
Referer leaving them, since their URLs carry tokens.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import abort, make_response, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext

from statuspage.core.errors import DomainError, NotFound
from statuspage.messages.templating import status_label
from statuspage.models import Subscriber
from statuspage.models.subscribers import EMAIL, SMS, WEBHOOK
from statuspage.notify.addresses import allowed_regions, country_names, mask_phone
from statuspage.page import queries
from statuspage.page.record import get_page
from statuspage.public.presenters import site_view
from statuspage.subscriptions import subscribe as subscriptions
from statuspage.subscriptions.links import subscriber_for_token

# Lazy: each is translated when a page shows it, in that visitor's language.
CHANNEL_TABS = {EMAIL: lazy_gettext("Email"), SMS: lazy_gettext("Text message"),
                WEBHOOK: lazy_gettext("Webhook")}
ADDRESS_LABELS = {EMAIL: lazy_gettext("Email address"), SMS: lazy_gettext("Mobile number"),
                  WEBHOOK: lazy_gettext("Webhook URL")}
# Messages a redirect may ask a page to show (?notice=…); anything else shows nothing.
NOTICES = {
    "confirmed": lazy_gettext("Your subscription is confirmed."),
    "updated": lazy_gettext("Your choice of components is saved."),
    "unsubscribed": lazy_gettext("You are unsubscribed and will get no more messages."),
    "resubscribed": lazy_gettext("You are subscribed again."),
    "sent": lazy_gettext("We sent you a new code."),
    "test_sent": lazy_gettext("We sent your webhook another test request."),
}


@dataclass(frozen=True)
class ComponentChoice:
    id: int
    name: str
    checked: bool


@dataclass(frozen=True)
class ComponentSection:
    """A group with its components, or the components outside any group (name None)."""

    name: str | None
    items: list[ComponentChoice] = field(default_factory=list)


def component_sections(selected: set[str]) -> list[ComponentSection]:
    """The checkboxes of the component choice, grouped as the status page shows them."""
    sections: list[ComponentSection] = []
    by_group: dict[int, ComponentSection] = {}
    loose = ComponentSection(None)
    for component in queries.ordered_components():
        if component.is_group:
            by_group[component.id] = ComponentSection(component.name)
            sections.append(by_group[component.id])
            continue
        section = by_group.get(component.group_id or 0, loose)
        section.items.append(ComponentChoice(component.id, component.name,
                                             str(component.id) in selected))
    if loose.items:
        sections.insert(0, loose)
    return [s for s in sections if s.items]


@dataclass(frozen=True)
class FollowedIncident:
    """The incident a follower's pages name: its title, permalink, status, and whether it
    is over (then the follow has ended or is about to, subscriptions.follows)."""

    name: str
    url: str
    status: str
    over: bool


def followed_incident(subscriber: Subscriber) -> FollowedIncident | None:
    """What a follow follows; None for a page-wide subscription."""
    incident = subscriber.incident
    if incident is None:
        return None
    return FollowedIncident(incident.name,
                            url_for("public.incident", public_id=incident.public_id),
                            status_label(incident.status), incident.is_closed)


def address_hint(channel: str) -> str:
    """The help text under the address field."""
    if channel == SMS:
        regions = sms_regions()
        hint = _("We can send text messages to numbers in %(countries)s.",
                 countries=country_names(regions))
        if regions:  # the first is the page's default country (allowed_regions)
            hint += " " + _("Numbers without a country code are read as %(country)s.",
                            country=country_names(regions[:1]))
        return hint
    if channel == WEBHOOK:
        return _("An https URL that accepts JSON POST requests.")
    return _("We will send a link to confirm your address.")


def sms_regions() -> list[str]:
    """The countries SMS sign-ups accept, first one = the default for national numbers."""
    return allowed_regions(get_page())


# The visitor's last SMS sign-up, [public id, masked number], kept in their session: the
# code page of an erased row (statuspage.subscriptions.erasure), quietly refused, cannot read
# the number from the row and must look like every other code page.
SHOWN_NUMBER = "sms_signup_shown"


def remember_number(subscriber: Subscriber, typed: str) -> None:
    """Keep the masked form of the number this visitor just signed up with (see above)."""
    number = subscriptions.lookup_form(SMS, typed)
    with contextlib.suppress(DomainError):
        number = subscriptions.normalise_address(SMS, typed)
    session[SHOWN_NUMBER] = [subscriber.public_id, mask_phone(number)]


def shown_address(subscriber: Subscriber, typed: str = "") -> str:
    """How a page names the address: a number is partly masked, the rest is shown.

    An erased row has no address to show: the number this visitor typed in this session, or
    what they typed in this request (a webhook URL), stands in for it.
    """
    if subscriber.erased_at is None:
        return (mask_phone(subscriber.address) if subscriber.channel == SMS
                else subscriber.address)
    if subscriber.channel == SMS:
        kept = session.get(SHOWN_NUMBER)
        if isinstance(kept, list) and len(kept) == 2 and kept[0] == subscriber.public_id:
            return str(kept[1])
        return _("your number")
    return typed.strip()


def page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    """Render a subscription page with the site's branding."""
    return render_template(template, site=site_view(get_page()),
                           channel_tabs=CHANNEL_TABS, **context), status


def private(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    """Per-visitor responses: not stored by any cache, no Referer carrying a token away."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        response = make_response(view(*args, **kwargs))
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    return wrapper


def token_subscriber(purpose: str, token: str) -> Subscriber:
    """The subscriber a link names, or a clear 404 (gone) / 400 (forged, expired) page."""
    try:
        return subscriber_for_token(purpose, token)
    except NotFound as error:
        abort(404, description=error.message)
    except DomainError as error:
        abort(400, description=error.message)
