"""Console: incident roles (commander, communications lead) and the update cadence shown with
open incidents. The role fields also appear on the "open an incident" form."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from statuspage import cadence
from statuspage import incident_roles as roles
from statuspage.console import bp
from statuspage.console.access import require_role
from statuspage.console.forms_incidents import RoleFields, RolesForm
from statuspage.errors import DomainError
from statuspage.extensions import db
from statuspage.models import Incident, User, utcnow
from statuspage.numbers import whole_number

INVALID = 422
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


@bp.post("/incidents/<public_id>/roles")
@require_role("communicator")
def incident_roles(public_id: str) -> ResponseReturnValue:
    from statuspage.console.incident_views import _detail, _incident_or_404

    incident = _incident_or_404(public_id)
    form = RolesForm()
    fill_role_choices(form)
    if not form.validate():
        return _detail(incident, status=INVALID, roles_form=form)
    try:
        roles.assign_roles(
            incident,
            chosen_user_id(form.commander_id.data, "commander_id"),
            chosen_user_id(form.comms_lead_id.data, "comms_lead_id"),
            current_user,
        )
    except DomainError as error:
        form.add_error(error)
        return _detail(incident, status=INVALID, roles_form=form)
    flash(_("Incident roles saved."), "success")
    return redirect(url_for("console.incident_detail", public_id=public_id)), 303
