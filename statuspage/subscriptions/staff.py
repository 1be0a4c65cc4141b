"""What staff do to existing subscribers beyond the console's add and remove: unsubscribe
them, lift a provider's quarantine, choose their components, and do each for many at once.

The management API (statuspage/api/v1_subscribers*.py) calls these, as Statuspage's Manage
API offers them; each records an audit entry with the change, in one commit.
- Unsubscribing keeps the row (as a subscriber's own unsubscribe does), with the reason
  "admin": the consent history stays, and a later sign-up asks its owner again.
- Reactivating lifts a suppression a *provider* caused (a bounce, a dropped message, a dead
  number or destination: Statuspage's "quarantine"), on every public row of the address that
  it suppressed, as leaving.suppress set it; a row its owner had also left stays left. A
  suppression the person chose (a spam report, STOP) is theirs to take back, never staff's:
  such rows are left alone.
- Bulk runs take at most MAX_BULK subscribers, so one request stays one short transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select

from statuspage import audit
from statuspage.core.errors import Conflict, DomainError
from statuspage.core.extensions import db
from statuspage.core.transaction import use_case
from statuspage.models import Subscriber, User, utcnow
from statuspage.subscriptions import admin, same_address
from statuspage.subscriptions.choice import resolve_components
from statuspage.subscriptions.leaving import SELF_RESUBSCRIBE_REASONS

MAX_BULK = 100
# The reason recorded when staff end a subscription.
STAFF = "admin"


def can_reactivate(subscriber: Subscriber) -> bool:
    """Whether the subscriber is quarantined by a provider (not by their own choice)."""
    return (subscriber.suppressed_at is not None and subscriber.unsubscribed_at is None
            and (subscriber.suppression_reason or "") not in SELF_RESUBSCRIBE_REASONS)


@use_case
def unsubscribe(subscriber: Subscriber, actor: User | None) -> Subscriber:
    """End a subscription (or a follow) for its owner; idempotent, audited when it changes."""
    if _unsubscribe_row(subscriber, utcnow(), actor):
        db.session.commit()
    return subscriber


@use_case
def change_components(subscriber: Subscriber, component_ids: Iterable[int],
                      actor: User | None) -> Subscriber:
    """Set the components a page subscriber hears about (none: all); groups stand for theirs."""
    if subscriber.incident_id is not None:
        raise Conflict("This subscriber follows one incident; it has no components to "
                       "choose.", "component_ids")
    before = [c.public_id for c in subscriber.components]
    subscriber.components = resolve_components(list(component_ids))
    audit.record(actor, "subscriber.components", "subscriber", subscriber.public_id,
                 before=before, after=[c.public_id for c in subscriber.components])
    db.session.commit()
    return subscriber


@use_case
def unsubscribe_many(subscribers: Sequence[Subscriber], actor: User | None) -> list[Subscriber]:
    """Unsubscribe each (those already unsubscribed are left as they are); the changed ones."""
    _check_size(subscribers)
    now = utcnow()
    changed = [s for s in subscribers if _unsubscribe_row(s, now, actor)]
    db.session.commit()
    return changed


@use_case
def reactivate_many(subscribers: Sequence[Subscriber], actor: User | None) -> list[Subscriber]:
    """Reactivate each quarantined subscriber; others are left alone. The reactivated ones."""
    _check_size(subscribers)
    chosen = [s for s in subscribers if can_reactivate(s)]
    for subscriber in chosen:
        _reactivate_rows(subscriber, actor)
    db.session.commit()
    return chosen


def resend_many(subscribers: Sequence[Subscriber], actor: User | None) -> list[Subscriber]:
    """Send each unconfirmed subscriber their confirmation again; the ones it was sent to."""
    _check_size(subscribers)
    chosen = [s for s in subscribers if s.state == "unconfirmed"]
    for subscriber in chosen:
        admin.resend_confirmation(subscriber, actor)
    return chosen


def _unsubscribe_row(subscriber: Subscriber, now: datetime, actor: User | None) -> bool:
    if subscriber.unsubscribed_at is not None:
        return False
    audit.record(actor, "subscriber.unsubscribe", "subscriber", subscriber.public_id,
                 channel=subscriber.channel, state=subscriber.state)
    subscriber.unsubscribed_at = now
    if subscriber.suppressed_at is None:
        subscriber.suppression_reason = STAFF
    subscriber.code_hash = None
    return True


def _reactivate_rows(subscriber: Subscriber, actor: User | None) -> None:
    reason = subscriber.suppression_reason
    rows = [subscriber, *db.session.execute(
        select(Subscriber).where(same_address.others(subscriber),
                                 Subscriber.suppressed_at.is_not(None),
                                 Subscriber.unsubscribed_at.is_(None),
                                 Subscriber.suppression_reason == reason)
    ).scalars()]
    audit.record(actor, "subscriber.reactivate", "subscriber", subscriber.public_id,
                 channel=subscriber.channel, reason=reason,
                 rows=[row.public_id for row in rows])
    for row in rows:
        row.suppressed_at = None
        row.suppression_reason = None


def _check_size(subscribers: Sequence[Subscriber]) -> None:
    if len(subscribers) > MAX_BULK:
        raise DomainError(f"At most {MAX_BULK} subscribers at a time; name them, or narrow "
                          "the selection by type.", "subscribers")
