"""A proposed incident in the console: its page, declaring an incident from it, dismissing it.

Declaring is the ordinary declare composer (console.incident_views.new_page and the shared
compose cascade), prefilled from the proposal; only its use-case differs
(statuspage.alerts.decisions.accept), which records the decision with the incident.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms import StringField

from statuspage.alerts import board, decisions
from statuspage.console import bp, composer, proposal_cards, role_fields, template_picker
from statuspage.console.access import require_role
from statuspage.console.auth_views import display_zone
from statuspage.console.compose import Composition, compose
from statuspage.console.forms import ConsoleForm, component_statuses
from statuspage.console.forms_incidents import IncidentForm
from statuspage.console.incident_views import incident_input, new_page, new_reach
from statuspage.console.outcomes import declared
from statuspage.core.errors import DomainError, NotFound
from statuspage.models import AlertProposal
from statuspage.models.alerts import UNDECIDED


class DismissForm(ConsoleForm):
    reason = StringField("Why (optional)")


def _proposal_or_404(public_id: str) -> AlertProposal:
    try:
        return board.get_proposal(public_id)
    except NotFound:
        abort(404)


@bp.get("/alerts/proposals/<public_id>")
@require_role("viewer")
def alert_proposal(public_id: str) -> ResponseReturnValue:
    proposal = _proposal_or_404(public_id)
    notes = board.notes(proposal)
    return render_template(
        "console/alert_proposal.html", proposal=proposal_cards.card(proposal,
                                                                    current_user.can_edit),
        alerts=proposal_cards.alert_lines(proposal), notes_html=proposal_cards.notes_html(notes)
        if notes else None, form=DismissForm(formdata=None), zone=display_zone())


def _declare_extra(proposal: AlertProposal, notes: str) -> dict[str, Any]:
    return {"form_action": url_for("console.alert_proposal_declare",
                                   public_id=proposal.public_id),
            "proposal": proposal_cards.card(proposal, True),
            "alert_notes": proposal_cards.notes_html(notes) if notes else None}


@bp.route("/alerts/proposals/<public_id>/declare", methods=["GET", "POST"])
@require_role("communicator")
def alert_proposal_declare(public_id: str) -> ResponseReturnValue:
    proposal = _proposal_or_404(public_id)
    if proposal.status not in UNDECIDED:
        flash("This proposal was already decided.", "warning")
        return redirect(url_for("console.alert_proposal", public_id=public_id)), 303
    start = decisions.prefill(proposal)
    form = IncidentForm(name=start.name, severity=start.severity, status=start.status,
                        body=start.body, comms_lead_id=str(current_user.id))
    role_fields.fill_role_choices(form)
    extra = _declare_extra(proposal, start.notes)
    if request.method == "GET":
        return new_page(form, start.components, **extra)
    chosen = component_statuses(request.form, composer.leaf_components())
    return compose(Composition(
        form=form,
        render=lambda status=200, **more: new_page(form, chosen, status=status, **extra,
                                                   **more),
        template=lambda: {"picker": template_picker.for_new_incident(form, chosen)},
        preview=lambda: {"preview_html": composer.preview_of(form.body.data)},
        reach=lambda: new_reach(form, chosen),
        run=lambda: decisions.accept(proposal, incident_input(form, chosen), current_user),
        outcome=declared,
        target=lambda incident: url_for("console.incident_detail",
                                        public_id=incident.public_id),
    ))


@bp.post("/alerts/proposals/<public_id>/dismiss")
@require_role("communicator")
def alert_proposal_dismiss(public_id: str) -> ResponseReturnValue:
    proposal = _proposal_or_404(public_id)
    form = DismissForm()
    back = url_for("console.alert_proposal", public_id=public_id)
    if not form.validate():
        flash(" ".join(form.all_errors()) or "The form could not be read.", "error")
        return redirect(back), 303
    try:
        decisions.dismiss(proposal, form.reason.data or "", current_user)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(f"Dismissed “{proposal.title}”: no incident. Its alerts stay here; one that "
              "fires again after resolving proposes anew.", "success")
    return redirect(back), 303
