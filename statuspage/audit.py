"""The audit log: who did what, when. Entries join the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from statuspage.core.extensions import db
from statuspage.models import AuditEntry, User

# Who acts when there is no console user (an API token, say): set by `acting_as`.
_acting_as: ContextVar[str | None] = ContextVar("audit_acting_as", default=None)


def record(
    actor: User | None,
    action: str,
    target_type: str = "",
    target_id: str | int = "",
    **details: Any,
) -> AuditEntry:
    """Add an audit entry to the session; the use-case's commit saves it with the change."""
    label = actor.email if actor is not None else (_acting_as.get() or "system")
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        actor_label=label,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        details={k: _plain(v) for k, v in details.items()},
    )
    db.session.add(entry)
    return entry


@contextmanager
def acting_as(label: str) -> Iterator[None]:
    """Label the entries recorded without a user inside this block (e.g. "token:deploy").

    Lets the API name the token behind a change without every use-case taking a new argument.
    """
    reset = _acting_as.set(label)
    try:
        yield
    finally:
        _acting_as.reset(reset)


def _plain(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)
