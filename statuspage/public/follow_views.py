"""Public "Get updates on this incident": follow one open incident by email or SMS.

The incident's permalink is served from the shared cache, so it only links here; this page
is per visitor (CSRF token, what was typed) and never cached. The sign-up is the same double
opt-in as /subscribe (subscriptions.follows), with the same rate limits: an email gets a
confirmation link, a number goes on to the code page, and the answer is the same whatever
the address's state. Refusals re-render the form with what was typed: 400 or 429.
"""

from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from statuspage.core import i18n
from statuspage.core.errors import DomainError
from statuspage.core.i18n import N_
from statuspage.models import Incident
from statuspage.models.subscribers import SMS
from statuspage.page.record import get_page
from statuspage.public import bp
from statuspage.public.subscribe_forms import FollowForm
from statuspage.public.subscribe_limits import signup_limited
from statuspage.public.subscribe_pages import (
    ADDRESS_LABELS,
    address_hint,
    page,
    private,
    remember_number,
)
from statuspage.subscriptions import follows
from statuspage.subscriptions.codes import TooManyRequests
from statuspage.subscriptions.links import sms_code_path

NOT_FOUND = N_("There is no incident to follow at this address.")


@bp.route("/incidents/<incident>/subscribe", methods=["GET", "POST"])
@private
@signup_limited
def follow_incident(incident: str) -> ResponseReturnValue:
    found = _incident(incident)
    form = FollowForm()
    channels = follows.follow_channels(get_page())
    if request.method == "GET":
        wanted = request.args.get("channel", "")
        form.channel.data = wanted if wanted in channels else ""
        return follow_form(found, form)
    try:
        subscriber = follows.follow(found, form.channel.data or "", form.address.data or "",
                                    # Messages come in the language the form was read in.
                                    i18n.request_language(), request.remote_addr)
    except TooManyRequests as error:
        form.add_error(error)
        return follow_form(found, form, 429)
    except DomainError as error:
        form.add_error(error)
        return follow_form(found, form, 400)
    if subscriber.channel == SMS:
        remember_number(subscriber, form.address.data or "")
        return redirect(sms_code_path(subscriber), 303)
    return redirect(url_for("public.subscribe_check_email"), 303)


def _incident(public_id: str) -> Incident:
    found = follows.incident_to_follow(public_id)
    if found is None or found.is_maintenance:
        abort(404, description=_(NOT_FOUND))
    return found


def follow_form(incident: Incident, form: FollowForm, status: int = 200) -> tuple[str, int]:
    """The follow page: the form while the incident may be followed, else why not."""
    site_page = get_page()
    channels = follows.follow_channels(site_page)
    channel = form.channel.data if form.channel.data in channels else (
        channels[0] if channels else "")
    form.channel.data = channel
    return page("public/follow.html", status, form=form, incident=incident,
                open=follows.followable(incident, site_page), channels=channels,
                channel=channel, address_label=ADDRESS_LABELS.get(channel, _("Address")),
                hint=address_hint(channel) if channel else "")


def rate_limited(message: str) -> tuple[str, int]:
    """The follow form refused by a rate limit, with what was typed (see subscribe_views)."""
    found = _incident(str((request.view_args or {}).get("incident", "")))
    form = FollowForm()
    form.add_error(message, "address")
    return follow_form(found, form, 429)
