"""Console sessions: Flask-Login wiring and the login rate limits.

A session stores `User.get_id()`, i.e. "<id>:<session_token>". Rotating a user's token (on
deactivation or a password change) therefore ends every session of that user at once, on every
web process, without a server-side session store.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, g, request, session
from flask_limiter.util import get_remote_address
from flask_login import current_user

from statuspage.core.extensions import db, limiter, login_manager
from statuspage.core.numbers import whole_number
from statuspage.models import User

F = TypeVar("F", bound=Callable[..., Any])

# The session key holding a half-finished login (password checked, second factor pending).
PENDING_KEY = "pending_login"


def init_app(app: Flask) -> None:
    """Point Flask-Login at the console login form and our user loader."""
    login_manager.login_view = "console.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_user)
    app.before_request(_forget_cached_user)


# Set on `g` while the database is unavailable: the visitor is anonymous, unloaded.
_NO_USER_KEY = "statuspage_no_user"
# Where Flask-Login caches the loaded user on `g`. Flask-Login has no public way to drop it;
# tests/test_private_internals.py fails loudly if a release stops keeping the user there.
FLASK_LOGIN_USER_KEY = "_login_user"


def _forget_cached_user() -> None:
    # Flask-Login caches the user in `g`, which lives on the app context. Requests served
    # inside an already-pushed context (tests, scripts) share it, so a user logged out or
    # deactivated by one request would still be seen by the next. Load it afresh every time.
    g.pop(FLASK_LOGIN_USER_KEY, None)
    g.pop(_NO_USER_KEY, None)


def treat_visitor_as_anonymous() -> None:
    """For the rest of this request, a visitor not yet loaded is anonymous, and loading one
    asks nothing of the database (the 503 page, while the database is not answering)."""
    g.setdefault(_NO_USER_KEY, True)


def load_user(user_id: str) -> User | None:
    """Resolve a session's "<id>:<token>"; a stale token or an inactive user is anonymous."""
    if g.get(_NO_USER_KEY):
        return None
    raw_id, _, token = user_id.partition(":")
    numeric_id = whole_number(raw_id)
    if numeric_id is None or not token:
        return None
    user = db.session.get(User, numeric_id)
    if user is None or not user.is_active_user:
        return None
    if not hmac.compare_digest(user.session_token.encode(), token.encode()):
        return None
    return user


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def _account_key() -> str:
    """The account a login attempt is aimed at: the submitted email, or the pending login's."""
    email = request.form.get("email")
    if email is None:
        pending = session.get(PENDING_KEY) or {}
        email = str(pending.get("email", ""))
    return "account:" + email.strip().lower()


# Two shared buckets: one per client address (one attacker, many accounts) and one per account
# (many addresses, one account). Both count every POST, so the second factor is covered too.
_per_ip = limiter.shared_limit(
    _login_limit, scope="console-login-ip", key_func=get_remote_address, methods=["POST"]
)
_per_account = limiter.shared_limit(
    _login_limit, scope="console-login-account", key_func=_account_key, methods=["POST"]
)


def _user_key() -> str:
    """The logged-in user making a request (for limits on checks behind a session)."""
    user_id = current_user.get_id() if current_user.is_authenticated else ""
    return "user:" + str(user_id).partition(":")[0]


# Password checks inside a session (change password, turn two-factor off) draw on one bucket
# per user, at the login rate, so a stolen session cannot be used to guess the password.
_per_user_password_check = limiter.shared_limit(
    _login_limit, scope="console-password-check", key_func=_user_key, methods=["POST"]
)


def password_check_limited(view: F) -> F:
    """Apply the per-user password-check limit to a view's POSTs (behind require_role)."""
    return _per_user_password_check(view)  # type: ignore[return-value]


def login_rate_limited(view: F) -> F:
    """Apply the per-address and per-account login limits to a view's POSTs."""
    return _per_ip(_per_account(view))  # type: ignore[return-value]
