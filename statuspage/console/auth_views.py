"""Console login (password, then TOTP when enabled) and logout."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from flask import (
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from werkzeug.exceptions import TooManyRequests
from werkzeug.routing.converters import NumberConverter
from werkzeug.wrappers import Response

from statuspage.accounts import twofactor
from statuspage.accounts import users as accounts
from statuspage.console import bp
from statuspage.console.access import public_console_route, require_role
from statuspage.console.forms_auth import LoginForm, SecondFactorForm
from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.models import Incident, Page, User
from statuspage.web.login import PENDING_KEY, load_user, login_rate_limited
from statuspage.web.url_rules import converter_of

# How long the password step stays valid while the user fetches their TOTP code.
PENDING_SECONDS = 300
_LOGIN_ENDPOINTS = {"console.login", "console.login_totp"}


@bp.route("/login", methods=["GET", "POST"])
@public_console_route
@login_rate_limited
def login() -> ResponseReturnValue:
    if request.method == "GET" and current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm(next=request.args.get("next", ""))
    error = None
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.email.data or "", form.password.data or "")
        except DomainError as exc:
            error = exc.message
        else:
            target = safe_next(form.next.data)
            if not user.totp_secret:
                return _finish_login(user, "password", target)
            # A fresh session for the half-done login: nothing from before survives it.
            session.clear()
            session[PENDING_KEY] = {"user": user.get_id(), "email": user.email,
                                    "at": time.time(), "next": target}
            return redirect(url_for("console.login_totp"))
    return render_template("console/login.html", form=form, error=error)


@bp.route("/login/totp", methods=["GET", "POST"])
@public_console_route
@login_rate_limited
def login_totp() -> ResponseReturnValue:
    user, target, started = _pending_login()
    if user is None:
        flash(_("Please log in again."), "info")
        return redirect(url_for("console.login"))
    if twofactor.failed_tries_since(user, started) >= twofactor.MAX_TRIES_PER_LOGIN:
        return _drop_pending_login()
    form = SecondFactorForm()
    if form.validate_on_submit():
        try:
            method = twofactor.verify_second_factor(user, form.code.data or "")
        except DomainError as exc:
            if twofactor.failed_tries_since(user, started) >= twofactor.MAX_TRIES_PER_LOGIN:
                return _drop_pending_login()
            form.add_error(exc)
        else:
            response = _finish_login(user, method, target)
            if method == "recovery_code":  # after the session reset, or it would be lost
                left = twofactor.unused_recovery_codes(user)
                flash(_("You used a recovery code; %(left)s left. "
                        "Turn two-factor off and on again to get new ones.", left=left), "warning")
            return response
    return render_template("console/login_totp.html", form=form)


def _drop_pending_login() -> Response:
    """Too many wrong codes: forget the half-done login, so the password is asked again."""
    session.pop(PENDING_KEY, None)
    flash(_("Too many wrong codes. Log in again with your password."), "error")
    return redirect(url_for("console.login"))


@bp.route("/logout", methods=["POST"])
@require_role("viewer")
def logout() -> ResponseReturnValue:
    # Ends the session on the server too: a copy of this cookie is refused from now on.
    accounts.log_out(current_user._get_current_object())
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("console.login"))


@bp.errorhandler(TooManyRequests)
def _too_many_requests(error: TooManyRequests) -> ResponseReturnValue:
    if request.endpoint not in _LOGIN_ENDPOINTS:
        return render_template("error.html", code=429, title=error.name,
                               message=error.description), 429
    message = "Too many login attempts. Please wait a minute before trying again."
    if request.endpoint == "console.login_totp":
        body = render_template("console/login_totp.html", form=SecondFactorForm(), error=message)
    else:
        body = render_template("console/login.html", form=LoginForm(), error=message)
    response = make_response(body, 429)
    response.headers["Retry-After"] = "60"
    return response


def safe_next(target: str | None) -> str:
    """`target` when it is a path inside the console, else the dashboard (no open redirect)."""
    default = url_for("console.dashboard")
    root = default.rstrip("/")
    if not target or any(ch in target for ch in "\\\r\n\t"):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or ".." in parts.path.split("/"):
        return default
    if parts.path != root and not parts.path.startswith(root + "/"):
        return default
    return target


def _finish_login(user: User, method: str, target: str) -> Response:
    session.clear()  # a new session on every login, so a planted one cannot be adopted
    login_user(user)
    accounts.record_login(user, method)
    return redirect(target)


def _pending_login() -> tuple[User | None, str, datetime]:
    """The half-done login in this session: its user, where to go next, and when it began."""
    pending: dict[str, Any] = session.get(PENDING_KEY) or {}
    at = pending.get("at", 0)
    started = float(at) if isinstance(at, int | float) else 0.0
    began = datetime.fromtimestamp(started, UTC)
    if time.time() - started > PENDING_SECONDS:
        session.pop(PENDING_KEY, None)
        return None, "", began
    user = load_user(str(pending.get("user", "")))
    if user is None or not user.totp_secret:
        return None, "", began
    return user, safe_next(pending.get("next")), began


def display_zone() -> str:
    """The page's time zone for console timestamps (read only: no page row is created)."""
    zone = db.session.execute(select(Page.time_zone).order_by(Page.id).limit(1)).scalar()
    return zone or current_app.config["PAGE_TIME_ZONE"]


def detail_url(endpoint: str, incident: Incident) -> str | None:
    """A link to a console detail view if it exists; its one URL argument gets the id or
    public id depending on its converter (those views are written separately)."""
    if endpoint not in current_app.view_functions:
        return None
    for rule in current_app.url_map.iter_rules(endpoint):
        if len(rule.arguments) != 1:
            continue
        (name,) = rule.arguments
        converter = converter_of(rule, name)
        value = incident.id if isinstance(converter, NumberConverter) else incident.public_id
        values: dict[str, Any] = {name: value}
        return url_for(endpoint, **values)
    return None
