"""Console: saving an incident's roles (commander, communications lead). The role selects
and the cadence shown with open incidents: console/role_fields.py."""

from __future__ import annotations

from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from statuspage.console import bp
from statuspage.console.access import require_role
from statuspage.console.compose import Composition, compose
from statuspage.console.forms_incidents import RolesForm
from statuspage.console.incident_page import detail_page, incident_or_404
from statuspage.console.role_fields import chosen_user_id, fill_role_choices
from statuspage.incidents import roles


@bp.post("/incidents/<public_id>/roles")
@require_role("communicator")
def incident_roles(public_id: str) -> ResponseReturnValue:
    incident = incident_or_404(public_id)
    form = RolesForm()
    fill_role_choices(form)
    return compose(Composition(
        form=form,
        render=lambda status=200, **extra: detail_page(incident, status=status,
                                                       roles_form=form, **extra),
        run=lambda: roles.assign_roles(
            incident,
            chosen_user_id(form.commander_id.data, "commander_id"),
            chosen_user_id(form.comms_lead_id.data, "comms_lead_id"),
            current_user,
        ),
        outcome=lambda _result: (_("Incident roles saved."), "success"),
        target=lambda _result: url_for("console.incident_detail", public_id=public_id),
    ))
