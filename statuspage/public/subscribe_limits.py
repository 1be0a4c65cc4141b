"""Rate limits on the public subscription endpoints (Flask-Limiter), against abuse and SMS pumping.

Sign-ups are limited per client address (one bot, many addresses), per subscriber address
(one victim, many requests: mail bombing, text bombing) and, for SMS, per number prefix (a bot
walking a premium number range). Confirmation endpoints are limited per client address, and
code entry also per subscriber. The daily SMS budget (in the database, shared by every web
process) is enforced by the use-case, see statuspage.subscriptions.codes.

Limits are read from the app config at request time, so a deployment (or a test) can tune
them: SUBSCRIBE_RATE_LIMIT_IP, SUBSCRIBE_RATE_LIMIT_ADDRESS, SUBSCRIBE_RATE_LIMIT_PREFIX,
CONFIRM_RATE_LIMIT_IP, CODE_RATE_LIMIT_SUBSCRIBER.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, g, request
from flask_babel import gettext
from flask_limiter.util import get_remote_address

from statuspage.core.extensions import limiter
from statuspage.core.i18n import N_
from statuspage.models.subscribers import CHANNELS, CHAT_CHANNELS, SMS
from statuspage.notify import addresses
from statuspage.notify.chat import detect_provider
from statuspage.page.record import get_page
from statuspage.subscriptions.chat import CHAT
from statuspage.subscriptions.links import subscriber_by_public_id

F = TypeVar("F", bound=Callable[..., Any])

DEFAULTS = {
    "SUBSCRIBE_RATE_LIMIT_IP": "20 per hour",
    "SUBSCRIBE_RATE_LIMIT_ADDRESS": "5 per hour",
    "SUBSCRIBE_RATE_LIMIT_PREFIX": "20 per hour",
    "CONFIRM_RATE_LIMIT_IP": "30 per hour",
    "CODE_RATE_LIMIT_SUBSCRIBER": "10 per hour",
}
TOO_MANY_FROM_NETWORK = N_("Too many requests from your network. Please wait a while and try "
                            "again.")
TOO_MANY_FOR_ADDRESS = N_("Too many requests for this address. Please wait a while and try "
                           "again.")
TOO_MANY_FOR_RANGE = N_("Too many sign-ups for numbers like this one. Please wait a while and "
                         "try again.")
TOO_MANY_CODES = N_("Too many tries for this code. Please wait a while and try again.")


def _said(message: str) -> Callable[[], str]:
    """The refusal in the language of the request it refuses."""
    return lambda: gettext(message)


def _setting(name: str) -> Callable[[], str]:
    return lambda: str(current_app.config.get(name) or DEFAULTS[name])


def _target() -> tuple[str, str]:
    """(channel, canonical address) the request is about, computed once per request."""
    if "subscribe_target" not in g:
        public_id = (request.view_args or {}).get("public_id")
        if public_id:
            found = subscriber_by_public_id(str(public_id))
            g.subscribe_target = (found.channel, found.address) if found else ("", public_id)
        elif request.form.get("channel") == CHAT:
            # A chat URL is a secret: its key is the URL's fingerprint (notify.addresses), so
            # the limiter's storage never holds the URL.
            raw = request.form.get("address", "")
            provider = request.form.get("provider", "")
            if provider not in CHAT_CHANNELS:
                provider = detect_provider(raw) or CHAT_CHANNELS[0]
            g.subscribe_target = (provider, addresses.lenient(provider, raw, []))
        else:
            channel = request.form.get("channel", "")
            channel = channel if channel in CHANNELS else ""
            regions = addresses.allowed_regions(get_page()) if channel == SMS else []
            g.subscribe_target = (channel, addresses.lenient(channel, request.form.get(
                "address", ""), regions))
    return g.subscribe_target


def address_key() -> str:
    """The subscriber address a request is about, in canonical form ("sms:+1415…")."""
    channel, address = _target()
    return f"{channel}:{address}"


def prefix_key() -> str:
    """The number range an SMS sign-up is about (first digits of the E.164 number)."""
    return addresses.phone_prefix(_target()[1])


def _not_sms() -> bool:
    return _target()[0] != SMS


def subscriber_key() -> str:
    """The sign-up a code is entered for."""
    return str((request.view_args or {}).get("public_id", ""))


# Shared buckets: a sign-up and a "send me a new code" for the same number spend from the
# same per-address and per-prefix allowances.
_per_ip = limiter.shared_limit(
    _setting("SUBSCRIBE_RATE_LIMIT_IP"), scope="subscribe-ip", key_func=get_remote_address,
    methods=["POST"], error_message=_said(TOO_MANY_FROM_NETWORK))
_per_address = limiter.shared_limit(
    _setting("SUBSCRIBE_RATE_LIMIT_ADDRESS"), scope="subscribe-address", key_func=address_key,
    methods=["POST"], error_message=_said(TOO_MANY_FOR_ADDRESS))
_per_prefix = limiter.shared_limit(
    _setting("SUBSCRIBE_RATE_LIMIT_PREFIX"), scope="subscribe-sms-prefix", key_func=prefix_key,
    methods=["POST"], exempt_when=_not_sms, error_message=_said(TOO_MANY_FOR_RANGE))
_confirm_per_ip = limiter.shared_limit(
    _setting("CONFIRM_RATE_LIMIT_IP"), scope="confirm-ip", key_func=get_remote_address,
    methods=["POST"], error_message=_said(TOO_MANY_FROM_NETWORK))
_code_per_subscriber = limiter.shared_limit(
    _setting("CODE_RATE_LIMIT_SUBSCRIBER"), scope="confirm-code", key_func=subscriber_key,
    methods=["POST"], error_message=_said(TOO_MANY_CODES))


def signup_limited(view: F) -> F:
    """Limits for anything that sends a confirmation: per IP, per address, per SMS prefix."""
    return _per_ip(_per_address(_per_prefix(view)))  # type: ignore[return-value]


def confirm_limited(view: F) -> F:
    """Limits for confirming a link: per IP."""
    return _confirm_per_ip(view)  # type: ignore[return-value]


def code_limited(view: F) -> F:
    """Limits for entering an SMS code: per IP and per subscriber."""
    return _confirm_per_ip(_code_per_subscriber(view))  # type: ignore[return-value]
