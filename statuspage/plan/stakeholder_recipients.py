"""A stakeholder member's recipient rows: how the plan's routes to a group reach its members.

Each member's email and phone (or, for a group's chat destination, its webhook) are also
fan-out recipients: one Subscriber row per channel
(`stakeholder_member_id` set, confirmed, consent source "stakeholder"), created, changed and
deleted in the same transaction as the member (by plan.stakeholder_members, and with the
whole group by plan.stakeholders), so the plan's routes to a group reach exactly its members
as they are now (see plan.audience).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, delete

from statuspage.core.extensions import db
from statuspage.core.sealing import fingerprint, unseal
from statuspage.models import ChatThread, Delivery, StakeholderMember, Subscriber, utcnow
from statuspage.models.subscribers import CHAT_CHANNELS, EMAIL, SMS, STAKEHOLDER_SOURCE


def delete_deliveries(subscriber_ids: list[int] | Select[Any]) -> None:
    """Delete the delivery records of these recipient rows (an id list or a subquery), and
    the Slack threads of a bot channel's row (a new row must never inherit them).

    Explicit, because SQLite does not enforce ON DELETE CASCADE without a pragma; the rows
    themselves go with their member (the `recipients` relationship's delete-orphan cascade).
    """
    db.session.execute(delete(Delivery).where(Delivery.subscriber_id.in_(subscriber_ids)))
    db.session.execute(delete(ChatThread).where(ChatThread.subscriber_id.in_(subscriber_ids)))


def _addresses(member: StakeholderMember, current: dict[str, Subscriber]
               ) -> list[tuple[str, str | None, str | None]]:
    """(channel, address or None, sealed destination) of each channel the member may have.

    A chat destination's row is on its provider's channel, `address` the fingerprint of the
    URL and `destination` the sealed URL (see models.subscribers). A row already holding this
    very sealed value keeps its address: nothing is unsealed for a member's other changes.
    """
    wanted: list[tuple[str, str | None, str | None]] = [
        (EMAIL, member.email, None), (SMS, member.phone, None)]
    sealed = member.chat_destination
    for provider in CHAT_CHANNELS:
        if sealed is None or member.chat_provider != provider:
            wanted.append((provider, None, None))
            continue
        row = current.get(provider)
        address = (row.address if row is not None and row.destination == sealed
                   else fingerprint(unseal(sealed)))
        wanted.append((provider, address, sealed))
    return wanted


def sync_recipients(member: StakeholderMember) -> None:
    """Make the member's recipient rows match its email, phone, chat destination and language.

    A channel without an address loses its row; a changed address replaces the row, with its
    delivery records (they were sent to the old address, and a new address is not bounced
    or opted out); the language follows the member's.
    """
    current = {row.channel: row for row in member.recipients}
    for channel, address, sealed in _addresses(member, current):
        row = current.get(channel)
        if row is not None and row.address != address:
            if row.id is not None:
                delete_deliveries([row.id])
            member.recipients.remove(row)
            db.session.flush()  # the old row goes before its replacement takes its key
            row = None
        if address is None:
            continue
        if row is None:
            now = utcnow()
            member.recipients.append(Subscriber(
                channel=channel, address=address, destination=sealed,
                language=member.language, confirmed_at=now,
                consent_source=STAKEHOLDER_SOURCE, consent_at=now,
                consent_note="Stakeholder group member added by staff", token_version=1))
        else:
            row.language = member.language
            row.destination = sealed
