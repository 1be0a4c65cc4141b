"""Erase everything held about one person, at once (GDPR article 17, right to erasure).

Their public subscription becomes an anonymous opt-out record (statuspage.subscriptions.
erasure): a still open subscription is ended, and the address may subscribe again only as a
new sign-up with its double opt-in (an import or a pre-confirmed add is refused, as for anyone
who unsubscribed; a bounced or STOPped address stays refused). Their stakeholder group
memberships are removed with their delivery records; the dev outbox's copies of messages to
them go; every audit entry and import report naming the address keeps a masked form instead.
The erasure's own audit entry names the person by reference and masked address only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete

from statuspage import audit
from statuspage.core.extensions import db
from statuspage.core.transaction import use_case
from statuspage.models import Delivery, OutboxMessage, User, utcnow
from statuspage.models.subscribers import EMAIL, SMS
from statuspage.privacy import person as people
from statuspage.privacy.person import Person
from statuspage.subscriptions import erasure


@dataclass(frozen=True)
class Erasure:
    """What an erasure found and did."""

    subscription: str | None  # its state before, None when there was none
    erased: bool  # False: nothing held (none, or erased before)
    memberships: int


@use_case
def erase_person(who: Person, actor: User | None, now: datetime | None = None) -> Erasure:
    """Erase the person's data in one transaction, with an audit entry (see the module)."""
    now = now or utcnow()
    public = people.subscription(who)
    state = public.state if public is not None else None
    was_erased = public is not None and public.erased_at is not None
    # The page-wide row and the follows of incidents: each keeps the hash, so opt-outs hold.
    erased = erasure.erase_rows([*([public] if public is not None else []),
                                 *people.follows(who)], now)
    members = people.memberships(who)
    other_addresses: list[tuple[str, str]] = []
    for member in members:
        if member.email and member.email != who.address:
            other_addresses.append((EMAIL, member.email))
        if member.phone and member.phone != who.address:
            other_addresses.append((SMS, member.phone))
        ids = [row.id for row in member.recipients]
        if ids:
            # Explicit: SQLite does not enforce ON DELETE CASCADE.
            db.session.execute(delete(Delivery).where(Delivery.subscriber_id.in_(ids)))
        audit.record(actor, "stakeholder_member.delete", "stakeholder_group",
                     member.group.public_id, member=member.public_id, reason="erasure")
        db.session.delete(member)
    for channel, address in [(who.channel, who.address), *other_addresses]:
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.to == address))
        db.session.flush()
        erasure.scrub_everywhere(channel, address)
    audit.record(actor, "privacy.erase", "person", who.reference, channel=who.channel,
                 address=who.masked, subscription=state, already_erased=was_erased,
                 stakeholder_memberships=len(members))
    db.session.commit()
    return Erasure(subscription=state, erased=bool(erased) or bool(members),
                   memberships=len(members))
