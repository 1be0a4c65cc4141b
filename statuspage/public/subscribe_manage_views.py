"""A subscriber's own pages: manage (components, unsubscribe) and RFC 8058 one-click unsubscribe.

A follower of one incident (subscriptions.follows) gets the same pages: the manage page names
the incident and lets them stop following it, and their one-click link ends the follow only.

Both are reached through signed links sent to the address, so the link is the credential: no
account, no login. The manage page's forms carry CSRF tokens. The unsubscribe URL is the one
in the List-Unsubscribe header: a mailbox provider POSTs `List-Unsubscribe=One-Click` to it
with no cookie, login or CSRF token and does not follow redirects, so that POST unsubscribes
and answers 200 directly; a GET (a scanner, a preview) only shows a button.
"""

from __future__ import annotations

from flask import abort, redirect, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from statuspage.core.errors import DomainError
from statuspage.core.extensions import csrf
from statuspage.core.tokens import MANAGE, UNSUBSCRIBE
from statuspage.models import Subscriber
from statuspage.models.subscribers import WEBHOOK
from statuspage.public import bp
from statuspage.public.subscribe_forms import ButtonForm, ComponentsForm
from statuspage.public.subscribe_limits import confirm_limited
from statuspage.public.subscribe_pages import (
    NOTICES,
    component_sections,
    followed_incident,
    page,
    private,
    shown_address,
    token_subscriber,
)
from statuspage.subscriptions import leaving
from statuspage.subscriptions import subscribe as subscriptions
from statuspage.subscriptions.links import manage_path


@bp.route("/manage/<token>", methods=["GET", "POST"])
@private
def manage(token: str) -> ResponseReturnValue:
    subscriber = token_subscriber(MANAGE, token)
    form = ComponentsForm()
    if request.method == "GET" or not form.validate_on_submit():
        form.components.data = [str(c.id) for c in subscriber.components]
        return _manage_page(subscriber, form, NOTICES.get(request.args.get("notice", "")))
    try:
        subscriptions.change_components(subscriber, form.components.data or [])
    except DomainError as error:
        form.add_error(error)
        return _manage_page(subscriber, form, status=400)
    return _back(subscriber, "updated")


@bp.post("/manage/<token>/unsubscribe")
@private
def manage_unsubscribe(token: str) -> ResponseReturnValue:
    subscriber = token_subscriber(MANAGE, token)
    _require_button()
    leaving.unsubscribe(subscriber, reason="user")
    return _back(subscriber, "unsubscribed")


@bp.post("/manage/<token>/resubscribe")
@private
def manage_resubscribe(token: str) -> ResponseReturnValue:
    subscriber = token_subscriber(MANAGE, token)
    _require_button()
    if not leaving.can_resubscribe_itself(subscriber):
        abort(400, description=_("This subscription cannot be restarted from here; subscribe "
                                 "again on the subscribe page."))
    leaving.resubscribe(subscriber, source="manage", ip=request.remote_addr)
    return _back(subscriber, "resubscribed")


@bp.post("/manage/<token>/test")
@private
@confirm_limited
def manage_send_test(token: str) -> ResponseReturnValue:
    """Send an unconfirmed webhook its test request again (after fixing the endpoint)."""
    subscriber = token_subscriber(MANAGE, token)
    _require_button()
    if subscriber.channel != WEBHOOK:
        abort(400, description=_("Only a webhook gets a test request."))
    subscriptions.resend_confirmation(subscriber)
    return _back(subscriber, "test_sent")


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
@private
def unsubscribe(token: str) -> ResponseReturnValue:
    subscriber = token_subscriber(UNSUBSCRIBE, token)
    if request.method == "GET":
        return page("public/unsubscribe.html", subscriber=subscriber,
                    address=shown_address(subscriber), done=subscriber.unsubscribed_at is not None,
                    followed=followed_incident(subscriber))
    # Any POST here is the one-click: the header's `List-Unsubscribe=One-Click` body, or the
    # button on the GET page, which posts the same field. A follower's link ends the follow.
    leaving.unsubscribe(subscriber, reason="user")
    return page("public/unsubscribe.html", subscriber=subscriber,
                address=shown_address(subscriber), done=True, manage=manage_path(subscriber),
                followed=followed_incident(subscriber))


def _manage_page(subscriber: Subscriber, form: ComponentsForm, notice: str | None = None,
                 status: int = 200) -> ResponseReturnValue:
    return page("public/manage.html", status, subscriber=subscriber, form=form,
                token=request.view_args["token"] if request.view_args else "",
                address=shown_address(subscriber), notice=notice, buttons=ButtonForm(),
                can_resubscribe=leaving.can_resubscribe_itself(subscriber),
                followed=followed_incident(subscriber),
                # A follow hears of its incident, whatever the components.
                sections=[] if subscriber.is_follower
                else component_sections(set(form.components.data or [])))


def _require_button() -> None:
    if not ButtonForm().validate_on_submit():
        abort(400, description=_("The form expired; reload the page and try again."))


def _back(subscriber: Subscriber, notice: str) -> ResponseReturnValue:
    return redirect(f"{manage_path(subscriber)}?notice={notice}", 303)
