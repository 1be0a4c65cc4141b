"""Public sign-up: choose a channel and components, then confirm (link, code or test POST).

Every answer to a sign-up is the same whatever the address's state, so the form never tells
a visitor whether someone is subscribed. Refusals (bad input, rate limits, the daily SMS
budget) re-render the form with what was typed and a clear message: 400 or 429, never 500.
"""

from __future__ import annotations

import time

from flask import abort, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded

from statuspage.core import i18n
from statuspage.core.errors import DomainError
from statuspage.core.extensions import limiter
from statuspage.core.tokens import CONFIRM
from statuspage.models import Subscriber
from statuspage.models.subscribers import SMS, WEBHOOK
from statuspage.page.record import get_page
from statuspage.public import bp, follow_views
from statuspage.public.subscribe_forms import ButtonForm, CodeForm, SubscribeForm
from statuspage.public.subscribe_limits import code_limited, confirm_limited, signup_limited
from statuspage.public.subscribe_pages import (
    ADDRESS_LABELS,
    NOTICES,
    address_hint,
    component_sections,
    page,
    private,
    remember_number,
    shown_address,
    token_subscriber,
)
from statuspage.subscriptions import subscribe as subscriptions
from statuspage.subscriptions.codes import CODE_LIFETIME, TooManyRequests
from statuspage.subscriptions.links import manage_path, sms_code_path, subscriber_by_public_id


@bp.route("/subscribe", methods=["GET", "POST"])
@private
@signup_limited
def subscribe() -> ResponseReturnValue:
    form = SubscribeForm()
    channels = subscriptions.open_channels(get_page())
    if request.method == "GET":
        wanted = request.args.get("channel", "")
        form.channel.data = wanted if wanted in channels else (channels[0] if channels else "")
        return _subscribe_form(form, channels)
    try:
        subscriber = subscriptions.subscribe(
            form.channel.data or "", form.address.data or "", form.components.data or [],
            # The language the visitor reads the form in is the one their messages use.
            i18n.request_language(), request.remote_addr)
    except TooManyRequests as error:
        form.add_error(error)
        return _subscribe_form(form, channels, 429)
    except DomainError as error:
        form.add_error(error)
        return _subscribe_form(form, channels, 400)
    if subscriber.channel == SMS:
        remember_number(subscriber, form.address.data or "")
        return redirect(sms_code_path(subscriber), 303)
    if subscriber.channel == WEBHOOK:
        # Shown once, to the person who just asked: the secret that signs every request.
        fresh = subscriptions.secret_issued(subscriber)
        return page("public/subscribe_webhook.html", subscriber=subscriber, fresh=fresh,
                    url=shown_address(subscriber, form.address.data or ""),
                    manage=manage_path(subscriber) if fresh else None)
    return redirect(url_for("public.subscribe_check_email"), 303)


def _subscribe_form(form: SubscribeForm, channels: list[str],
                    status: int = 200) -> tuple[str, int]:
    channel = form.channel.data if form.channel.data in channels else (
        channels[0] if channels else "")
    form.channel.data = channel
    return page("public/subscribe.html", status, form=form, channels=channels,
                channel=channel, address_label=ADDRESS_LABELS.get(channel, _("Address")),
                hint=address_hint(channel) if channel else "",
                sections=component_sections(set(form.components.data or [])))


@bp.get("/subscribe/check-email")
@private
def subscribe_check_email() -> ResponseReturnValue:
    return page("public/subscribe_sent.html")


@bp.route("/subscribe/confirm/<token>", methods=["GET", "POST"])
@private
@confirm_limited
def subscribe_confirm(token: str) -> ResponseReturnValue:
    # A GET only shows a button: mail scanners that prefetch links must not confirm anything.
    subscriber = token_subscriber(CONFIRM, token)
    form = ButtonForm()
    if request.method == "GET" or not form.validate_on_submit():
        return page("public/subscribe_confirm.html", form=form,
                    address=shown_address(subscriber), confirmed=subscriber.is_active)
    try:
        subscriber = subscriptions.confirm_email(token)
    except DomainError as error:
        abort(400, description=error.message)
    return redirect(f"{manage_path(subscriber)}?notice=confirmed", 303)


@bp.route("/subscribe/sms/<public_id>", methods=["GET", "POST"])
@private
@code_limited
def subscribe_sms(public_id: str) -> ResponseReturnValue:
    subscriber = _sms_subscriber(public_id)
    form = CodeForm()
    if request.method == "GET" or not form.validate_on_submit():
        return _code_form(subscriber, form, notice=NOTICES.get(request.args.get("notice", "")))
    try:
        subscriptions.verify_sms_code(subscriber, form.code.data or "")
    except DomainError as error:
        form.add_error(error)
        return _code_form(subscriber, form, status=400)
    return redirect(f"{manage_path(subscriber)}?notice=confirmed", 303)


@bp.post("/subscribe/sms/<public_id>/resend")
@private
@signup_limited
def subscribe_sms_resend(public_id: str) -> ResponseReturnValue:
    subscriber = _sms_subscriber(public_id)
    form = ButtonForm()
    if not form.validate_on_submit():
        abort(400, description=_("The form expired; reload the page and try again."))
    try:
        subscriptions.resend_confirmation(subscriber)
    except TooManyRequests as error:
        return _code_form(subscriber, CodeForm(formdata=None), status=429, refusal=error.message)
    return redirect(f"{sms_code_path(subscriber)}?notice=sent", 303)


def _sms_subscriber(public_id: str) -> Subscriber:
    subscriber = subscriber_by_public_id(public_id)
    if subscriber is None or subscriber.channel != SMS:
        abort(404, description=_("There is no sign-up waiting for a code at this address."))
    return subscriber


def _code_form(subscriber: Subscriber, form: CodeForm, status: int = 200,
               notice: str | None = None, refusal: str | None = None) -> tuple[str, int]:
    return page("public/subscribe_sms.html", status, form=form, subscriber=subscriber,
                number=shown_address(subscriber), notice=notice, refusal=refusal,
                minutes=int(CODE_LIFETIME.total_seconds() // 60), resend=ButtonForm())


@bp.errorhandler(RateLimitExceeded)
def _rate_limited(error: RateLimitExceeded) -> ResponseReturnValue:
    """A rate limit re-renders the page that was refused, with what was typed, as a 429."""
    message = error.description or _("Too many requests. Please wait a while and try again.")
    endpoint = request.endpoint or ""
    public_id = (request.view_args or {}).get("public_id")
    subscriber = subscriber_by_public_id(str(public_id)) if public_id else None
    if endpoint == "public.subscribe":
        form = SubscribeForm()
        form.add_error(message, "address")
        response = _subscribe_form(form, subscriptions.open_channels(get_page()), 429)
    elif endpoint == "public.follow_incident":
        response = follow_views.rate_limited(message)
    elif subscriber is not None and subscriber.channel == SMS:
        response = _code_form(subscriber, CodeForm(), status=429, refusal=message)
    else:
        response = page("error.html", 429, code=429, title=_("Too Many Requests"),
                        message=message)
    return _with_retry_after(response)


def _with_retry_after(result: tuple[str, int]) -> ResponseReturnValue:
    body, status = result
    current = limiter.current_limit
    headers = {"Cache-Control": "no-store"}
    if current is not None:
        headers["Retry-After"] = str(max(1, int(current.reset_at - time.time())))
    return body, status, headers


from statuspage.public import subscribe_manage_views  # noqa: E402,F401  (route registration)
