"""Everything held about one person, as one JSON document (GDPR article 15, right of access).

Their public subscription with its consent record (where, when and from which IP they agreed,
when and why they left), the components they follow, their stakeholder group memberships,
every delivery record (what was sent when, and how it went), the dev outbox's copies of
messages to them, and the audit entries about them. Left out: what authenticates rather than
describes (the SMS code's hash, the webhook's signing secret, the links' token version).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from statuspage import audit
from statuspage.core.extensions import db
from statuspage.models import (
    FanoutEvent,
    Incident,
    OutboxMessage,
    StakeholderMember,
    Subscriber,
    User,
    utcnow,
)
from statuspage.notify.chat import shown_destination
from statuspage.privacy import person as people
from statuspage.privacy.person import Person
from statuspage.subscriptions import chat

EXPORT_FORMAT = 1


def export_person(who: Person, actor: User | None, now: datetime | None = None
                  ) -> dict[str, Any]:
    """The document (JSON-ready values), and an audit entry naming the person by reference."""
    rows = people.recipient_rows(who)
    public = people.subscription(who)
    members = people.memberships(who)
    sent = _deliveries(rows)
    document: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "exported_at": _time(now or utcnow()),
        "about": {"channel": who.channel, "address": people.label(who)},
        "subscription": _subscriber(public) if public is not None else None,
        "incident_follows": [{**_subscriber(row), "incident": _followed(row)}
                             for row in people.follows(who)],
        "stakeholder_memberships": [_member(member) for member in members],
        "deliveries": sent,
        "dev_outbox_messages": _outbox(who),
        "audit_entries": [
            {"at": _time(entry.at), "actor": entry.actor_label, "action": entry.action,
             "target_type": entry.target_type, "target_id": entry.target_id,
             "details": entry.details}
            for entry in people.audit_entries(who, rows)],
    }
    audit.record(actor, "privacy.export", "person", who.reference, channel=who.channel,
                 address=who.masked, subscription=public.state if public else None,
                 stakeholder_memberships=len(members),
                 deliveries=len(sent))
    db.session.commit()
    return document


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _subscriber(row: Subscriber) -> dict[str, Any]:
    erased = row.erased_at is not None
    return {
        "id": row.public_id, "channel": row.channel,
        # A chat destination's URL is a credential: shown masked, as everywhere else.
        "address": None if erased else (chat.shown_destination(row) if chat.is_chat(
            row.channel) else row.address), "state": row.state,
        "language": row.language,
        "components": [c.display_name for c in row.components] or "all",
        "created_at": _time(row.created_at), "confirmed_at": _time(row.confirmed_at),
        "consent": {"source": row.consent_source, "at": _time(row.consent_at),
                    "ip": row.consent_ip, "note": row.consent_note},
        "unsubscribed_at": _time(row.unsubscribed_at),
        "suppressed_at": _time(row.suppressed_at),
        "suppression_reason": row.suppression_reason,
        "webhook_secret": "set, not shown" if row.secret else None,
        "erased_at": _time(row.erased_at),
        "note": ("Erased: only a keyed hash of the address is kept, so that the opt-out "
                 "above still holds." if erased else None),
    }


def _followed(row: Subscriber) -> dict[str, Any] | None:
    incident = row.incident
    return {"id": incident.public_id, "name": incident.name} if incident else None


def _member(member: StakeholderMember) -> dict[str, Any]:
    # A group's chat destination: its provider and masked URL (a credential).
    chat_destination = ({"chat_provider": member.chat_provider,
                         "chat_destination": shown_destination(member.chat_destination)}
                        if member.chat_destination is not None else {})
    return {"id": member.public_id, "group": member.group.name, "name": member.name,
            "email": member.email, "phone": member.phone, **chat_destination,
            "language": member.language, "added_at": _time(member.created_at)}


def _deliveries(rows: list[Subscriber]) -> list[dict[str, Any]]:
    found = people.deliveries(rows)
    events = {event.id: event for event in db.session.execute(
        select(FanoutEvent).where(FanoutEvent.id.in_({d.event_id for d in found}))).scalars()}
    incident_ids = {e.incident_id for e in events.values() if e.incident_id is not None}
    incidents = {incident_id: public_id for incident_id, public_id in db.session.execute(
        select(Incident.id, Incident.public_id).where(Incident.id.in_(incident_ids)))}
    by_row = {row.id: row.public_id for row in rows}
    return [{
        "id": d.id, "subscription": by_row.get(d.subscriber_id), "channel": d.channel,
        "state": d.state, "attempts": d.attempts, "message": events[d.event_id].kind,
        "incident": incidents.get(events[d.event_id].incident_id or 0),
        "created_at": _time(d.created_at), "sent_at": _time(d.sent_at),
        "delivered_at": _time(d.delivered_at), "provider_message_id": d.provider_message_id,
        "error_code": d.error_code, "error": d.last_error,
    } for d in found]


def _outbox(who: Person) -> list[dict[str, Any]]:
    messages = db.session.execute(select(OutboxMessage).where(OutboxMessage.to == who.address)
                                  .order_by(OutboxMessage.id)).scalars()
    return [{"channel": m.channel, "subject": m.subject, "body": m.body,
             "created_at": _time(m.created_at)} for m in messages]
