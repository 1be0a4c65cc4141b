"""Incident roles: the commander and the communications lead, both console users."""

from __future__ import annotations

from statuspage import audit
from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.core.transaction import use_case
from statuspage.models import Incident, User, utcnow


@use_case
def assign_roles(incident: Incident, commander_id: int | None, comms_lead_id: int | None,
                 actor: User | None) -> Incident:
    """Set (or clear, with None) the incident commander and communications lead.

    Both must be active console users. The page does not change, so it is not touched.
    """
    if incident.is_maintenance:
        raise DomainError("Roles are for incidents, not maintenance.", "commander_id")
    commander = role_user(commander_id, "commander_id")
    comms_lead = role_user(comms_lead_id, "comms_lead_id")
    incident.commander, incident.comms_lead = commander, comms_lead
    incident.updated_at = utcnow()
    audit.record(actor, "incident.roles", "incident", incident.public_id,
                 commander=user_email(commander), comms_lead=user_email(comms_lead))
    db.session.commit()
    return incident


def role_user(user_id: int | None, field_name: str) -> User | None:
    """The active console user `user_id` for an incident role, None for none."""
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.is_active_user:
        raise DomainError("Choose an active console user.", field_name)
    return user


def user_email(user: User | None) -> str | None:
    return user.email if user is not None else None
