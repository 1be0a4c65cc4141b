"""The incident role selects (commander, communications lead) and the cadence shown with an
open incident: shared by the "open an incident" form, the detail page and the roles form."""

from __future__ import annotations

from sqlalchemy import select

from statuspage.console.forms_incidents import RoleFields, RolesForm
from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.core.numbers import whole_number
from statuspage.incidents import cadence
from statuspage.models import Incident, User, utcnow

NOBODY = ("", "(nobody)")


def fill_role_choices(form: RoleFields) -> None:
    """Offer every active console user for both roles (and "nobody")."""
    users = db.session.execute(
        select(User).where(User.is_active_user.is_(True)).order_by(User.name, User.email)
    ).scalars()
    choices = [NOBODY, *((str(u.id), user_label(u)) for u in users)]
    form.commander_id.choices = choices
    form.comms_lead_id.choices = choices


def user_label(user: User | None) -> str:
    """`Name <email>`, or the email alone for a user without a name."""
    if user is None:
        return "\u2013"  # an en dash
    return f"{user.name} <{user.email}>" if user.name else user.email


def chosen_user_id(value: str | None, field_name: str) -> int | None:
    """The user id a role select posted; "" is nobody. Existence is the use-case's check."""
    value = (value or "").strip()
    if not value:
        return None
    user_id = whole_number(value)
    if user_id is None:
        raise DomainError("Choose an active console user.", field_name)
    return user_id


def roles_form_for(incident: Incident) -> RolesForm:
    """The detail page's roles form, showing the current holders."""
    form = RolesForm(formdata=None, commander_id=str(incident.commander_id or ""),
                     comms_lead_id=str(incident.comms_lead_id or ""))
    fill_role_choices(form)
    return form


def cadence_of(incident: Incident) -> cadence.CadenceState | None:
    """The incident's cadence right now, for the detail page (None once it is closed)."""
    return cadence.cadence_states([incident], utcnow()).get(incident.public_id)
