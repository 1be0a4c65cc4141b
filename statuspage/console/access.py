"""Server-side authorisation for every console route.

Every console view is wrapped by `require_role`, which records the role it needs on the view
(`view.required_role`) so a test can walk the URL map and prove no route was left open.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user, login_required

F = TypeVar("F", bound=Callable[..., Any])

# Which roles satisfy each requirement.
ALLOWED = {
    "viewer": {"admin", "communicator", "viewer"},
    "communicator": {"admin", "communicator"},
    "admin": {"admin"},
}


def require_role(role: str) -> Callable[[F], F]:
    """Require a logged-in, active user whose role is `role` or above; 403 otherwise."""
    if role not in ALLOWED:
        raise ValueError(f"unknown role {role!r}")

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in ALLOWED[role]:
                abort(403)
            return view(*args, **kwargs)

        guarded = login_required(wrapper)
        guarded.required_role = role
        return guarded

    return decorator


def public_console_route(view: F) -> F:
    """Mark a console route that must work without a login (the login form itself)."""
    view.required_role = None  # type: ignore[attr-defined]
    return view
