"""Console views for approvals: drafts awaiting approval, approve or reject with a comment."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from statuspage import approvals
from statuspage.console import bp
from statuspage.console.access import require_role
from statuspage.errors import DomainError
from statuspage.extensions import db
from statuspage.models import INCIDENT, MAINTENANCE, Incident, IncidentUpdate
from statuspage.rendering import markdown_html


@dataclass
class Draft:
    """A draft as the console shows it: who may decide, and whether the viewer wrote it."""

    update: IncidentUpdate
    incident: Incident
    body_html: Markup
    author: str
    can_review: bool
    is_author: bool


def review_state(incident: Incident | None = None) -> list[Draft]:
    """Drafts awaiting approval (of one incident, or all) for the current console user."""
    user = current_user if current_user.is_authenticated else None
    return [
        Draft(update=u, incident=u.incident, body_html=markdown_html(u.body),
              author=u.author.email if u.author else "(API or CLI)",
              can_review=approvals.can_review(u, user),
              is_author=user is not None and u.author_id == user.id)
        for u in approvals.drafts(incident)
    ]


def _update_or_404(public_id: str) -> IncidentUpdate:
    update = db.session.execute(
        select(IncidentUpdate).where(IncidentUpdate.public_id == public_id)
    ).scalar_one_or_none()
    if update is None:
        abort(404)
    return update


def _back(update: IncidentUpdate) -> ResponseReturnValue:
    incident = update.incident
    if incident.kind == INCIDENT:
        target = url_for("console.incident_detail", public_id=incident.public_id)
    elif incident.kind == MAINTENANCE:
        target = url_for("console.maintenance_detail", public_id=incident.public_id)
    else:  # pragma: no cover - every update belongs to an incident or a maintenance
        target = url_for("console.dashboard")
    return redirect(target), 303


@bp.post("/updates/<public_id>/approve")
@require_role("communicator")
def update_approve(public_id: str) -> ResponseReturnValue:
    update = _update_or_404(public_id)
    try:
        approvals.approve_update(update, current_user, request.form.get("comment", ""))
    except DomainError as error:
        flash(str(error), "error")
        return _back(update)
    flash(_("Update approved and published."), "success")
    return _back(update)


@bp.post("/updates/<public_id>/reject")
@require_role("communicator")
def update_reject(public_id: str) -> ResponseReturnValue:
    update = _update_or_404(public_id)
    try:
        approvals.reject_update(update, current_user, request.form.get("comment", ""))
    except DomainError as error:
        flash(str(error), "error")
        return _back(update)
    flash(_("Update rejected; it stays off the page."), "success")
    return _back(update)
