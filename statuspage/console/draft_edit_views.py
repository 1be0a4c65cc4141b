"""Console view for the author of a waiting update to change it (text, status, components);
it keeps waiting for approval. A page of its own, so that its fields never share labels with
the composer's on the incident page."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs lack it

from statuspage.console import bp, composer
from statuspage.console.access import require_role
from statuspage.console.approval_views import update_or_404
from statuspage.console.forms import ConsoleForm, component_statuses
from statuspage.core.errors import DomainError
from statuspage.incidents import drafts as approval_drafts
from statuspage.incidents.lifecycle import INCIDENT_STATUSES, MAINTENANCE_STATUSES
from statuspage.models import IncidentUpdate
from statuspage.models.incidents import DRAFT
from statuspage.models.status import STATUS_LABELS

INVALID = 422


class DraftEditForm(ConsoleForm):
    status = SelectField("Status", validate_choice=False)
    body = TextAreaField("Message (markdown)")


def _page(update: IncidentUpdate, form: DraftEditForm, chosen: dict[int, str],
          status: int = 200) -> ResponseReturnValue:
    incident = update.incident
    statuses = MAINTENANCE_STATUSES if incident.is_maintenance else INCIDENT_STATUSES
    form.status.choices = [SelectChoice(s, STATUS_LABELS[s]) for s in statuses]
    _, rows = composer.component_rows(chosen)
    endpoint = ("console.maintenance_detail" if incident.is_maintenance
                else "console.incident_detail")
    return render_template("console/draft_edit.html", update=update, incident=incident,
                           form=form, rows=rows,
                           back_url=url_for(endpoint, public_id=incident.public_id)), status


@bp.route("/updates/<public_id>/edit", methods=["GET", "POST"])
@require_role("communicator")
def update_edit(public_id: str) -> ResponseReturnValue:
    update = update_or_404(public_id)
    if update.state != DRAFT or update.author_id != current_user.id:
        abort(404)  # only the author's waiting draft can be edited
    if request.method == "GET":
        form = DraftEditForm(formdata=None, status=update.status, body=update.body)
        return _page(update, form, {c.component_id: c.new_status for c in update.changes})
    form = DraftEditForm()
    chosen = component_statuses(request.form, composer.leaf_components())
    try:
        approval_drafts.edit_draft(update, approval_drafts.DraftEdit(
            status=form.status.data or "", body=form.body.data or "",
            component_statuses=chosen), current_user)
    except DomainError as error:
        form.add_error(error)
        return _page(update, form, chosen, INVALID)
    flash(_("Draft saved; it still waits for approval."), "success")
    incident = update.incident
    endpoint = ("console.maintenance_detail" if incident.is_maintenance
                else "console.incident_detail")
    return redirect(url_for(endpoint, public_id=incident.public_id)), 303
