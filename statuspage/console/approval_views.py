"""Console views for approvals: the waiting cards (and their live refresh), and what the
reviewer (approve, edit and approve, reject), the author (edit, withdraw) and an admin (break
glass) do with a waiting update. Postmortem reviews: postmortem_review_views."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from statuspage.console import approval_cards, bp, composer
from statuspage.console.access import require_role
from statuspage.console.forms_incidents import MaintenanceActionForm, ResolveForm, UpdateForm
from statuspage.core.errors import DomainError, NotFound
from statuspage.core.extensions import db
from statuspage.incidents import approvals
from statuspage.incidents import drafts as approval_drafts
from statuspage.incidents.lifecycle import get_incident
from statuspage.messages.approval_labels import rejected_by
from statuspage.models import INCIDENT, MAINTENANCE, Incident, IncidentUpdate


def review_state(incident: Incident | None = None) -> approval_cards.ApprovalList:
    """Drafts awaiting approval (of one incident, or all) as cards for the current user."""
    user = current_user if current_user.is_authenticated else None
    return approval_cards.pending_cards(user, incident)


@bp.app_context_processor
def _approvals_badge() -> dict[str, Any]:
    # A function: only console pages that show the badge pay for the two counts.
    return {"approvals_waiting": approvals.waiting_count}


@bp.get("/approvals/summary")
@require_role("viewer")
def approvals_summary() -> ResponseReturnValue:
    """The approvals section as an HTML fragment, polled by console-refresh.js so that a
    page shows new drafts (and drops decided ones) without a reload."""
    scope = request.args.get("incident")
    try:
        incident = get_incident(scope) if scope else None
    except NotFound:
        abort(404)
    review = review_state(incident)
    response = make_response(render_template("console/_approvals.html", review=review,
                                             zone=composer.page_zone()))
    # Private and changing by the minute: never stored by a browser or a proxy.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Approvals-Count"] = str(len(review))
    return response


def update_or_404(public_id: str) -> IncidentUpdate:
    update = db.session.execute(
        select(IncidentUpdate).where(IncidentUpdate.public_id == public_id)
    ).scalar_one_or_none()
    if update is None:
        abort(404)
    return update


def decided_from_dashboard() -> bool:
    """Whether the card was decided on the dashboard, where the next one may wait: go back
    there rather than to the incident."""
    return request.form.get("from") == "dashboard"


def _back(update: IncidentUpdate) -> ResponseReturnValue:
    incident = update.incident
    if decided_from_dashboard():
        target = url_for("console.dashboard")
    elif incident.kind == INCIDENT:
        target = url_for("console.incident_detail", public_id=incident.public_id)
    elif incident.kind == MAINTENANCE:
        target = url_for("console.maintenance_detail", public_id=incident.public_id)
    else:  # pragma: no cover - every update belongs to an incident or a maintenance
        target = url_for("console.dashboard")
    return redirect(target), 303


def _run(update: IncidentUpdate, action: Callable[[], object],
         done: Callable[[], str]) -> ResponseReturnValue:
    """Run one use-case on the update; flash what really happened, or why it was refused."""
    try:
        action()
    except DomainError as error:
        flash(str(error), "error")
        return _back(update)
    flash(done(), "success")
    return _back(update)


@bp.post("/updates/<public_id>/approve")
@require_role("communicator")
def update_approve(public_id: str) -> ResponseReturnValue:
    update = update_or_404(public_id)
    return _run(
        update,
        lambda: approvals.approve_update(update, current_user, request.form.get("comment", ""),
                                         body=request.form.get("body"),
                                         sms_body=request.form.get("sms_body")),
        lambda: _("Edited and published.") if update.review_action == approvals.EDITED
        else _("Update approved and published."))


@bp.post("/updates/<public_id>/reject")
@require_role("communicator")
def update_reject(public_id: str) -> ResponseReturnValue:
    update = update_or_404(public_id)
    return _run(
        update,
        lambda: approvals.reject_update(update, current_user, request.form.get("comment", "")),
        lambda: _("Update rejected; it stays off the page and its author is told."))


@bp.post("/updates/<public_id>/break_glass")
@require_role("admin")
def update_break_glass(public_id: str) -> ResponseReturnValue:
    update = update_or_404(public_id)
    return _run(
        update,
        lambda: approvals.break_glass_update(update, current_user,
                                             request.form.get("reason", "")),
        lambda: _("Published without approval (break glass)."))


@bp.post("/updates/<public_id>/withdraw")
@require_role("communicator")
def update_withdraw(public_id: str) -> ResponseReturnValue:
    update = update_or_404(public_id)
    return _run(update, lambda: approval_drafts.withdraw_draft(update, current_user),
                lambda: _("Draft withdrawn; it will not be published."))


@dataclass(frozen=True)
class Refill:
    """A rejected draft put back into its author's composer, with the notice saying so."""

    notice: str
    returned: approval_drafts.ReturnedDraft


def refill(incident: Incident) -> Refill | None:
    """The current user's rejected draft on this incident, while nothing superseded it."""
    user = current_user if current_user.is_authenticated else None
    returned = approval_drafts.returned_draft(incident, user)
    if returned is None:
        return None
    return Refill(_("%(rejected)s Your text is back in the composer.",
                    rejected=rejected_by(returned.reviewer, returned.comment)), returned)


def refill_incident_forms(incident: Incident) -> tuple[UpdateForm | None, ResolveForm | None,
                                                       dict[int, str], str] | None:
    """(update form, resolve form, component choices, notice) holding the rejected text, or
    None; a rejected resolution goes back into the resolve composer."""
    found = refill(incident)
    if found is None:
        return None
    returned = found.returned
    if returned.is_resolution:
        return None, ResolveForm(formdata=None, prefix="resolve", body=returned.body,
                                 restore_components=bool(returned.component_statuses)), \
            {}, found.notice
    return UpdateForm(formdata=None, status=returned.status, body=returned.body,
                      visibility="public"), None, returned.component_statuses, found.notice


# A maintenance update's status -> the step (and form) that posts it.
_MAINTENANCE_STEP = {"in_progress": "start", "verifying": "verify", "completed": "complete"}


def refill_maintenance_forms(maintenance: Incident, forms: dict[str, Any]) -> str:
    """Put a rejected maintenance step's text back into that step's form; the notice, or ""."""
    found = refill(maintenance)
    if found is None:
        return ""
    step = _MAINTENANCE_STEP.get(found.returned.status)
    if step in forms:
        forms[step] = MaintenanceActionForm(formdata=None, prefix=step, body=found.returned.body)
    return found.notice
