"""The console's incident timeline page, drawn by every view that posts to it (updates,
resolution, roles): on a failed or previewed POST it keeps what was typed."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from statuspage.console import approval_views, composer, role_fields, template_picker
from statuspage.console.declare import lead_missing
from statuspage.console.forms_incidents import ResolveForm, UpdateForm
from statuspage.models import INCIDENT, Incident
from statuspage.page import queries
from statuspage.subscriptions import follows


def incident_or_404(public_id: str) -> Incident:
    """The incident (not a maintenance) with its timeline loaded up front, waiting drafts too:
    the page shows every update and its component changes."""
    incident = queries.incident_with_timeline(public_id, drafts=True)
    if incident is None or incident.kind != INCIDENT:
        abort(404)
    return incident


def detail_page(incident: Incident, update_form: UpdateForm | None = None,
                resolve_form: ResolveForm | None = None, status: int = 200,
                chosen: dict[int, str] | None = None,
                picker: template_picker.Picker | None = None,
                resolve_picker: template_picker.Picker | None = None,
                **extra: Any) -> ResponseReturnValue:
    """The timeline page; on a failed or previewed POST it keeps the typed forms."""
    refilled = (approval_views.refill_incident_forms(incident)
                if update_form is None and resolve_form is None else None)
    if refilled is not None:  # the author's rejected text, back in its composer
        update_form, resolve_form, chosen, extra["returned_notice"] = refilled
    if update_form is None:
        update_form = UpdateForm(formdata=None, status=incident.status)
    if resolve_form is None:
        resolve_form = ResolveForm(formdata=None, prefix="resolve")
    affected_rows, other_rows = composer.component_rows(chosen or {}, incident.components)
    extra.setdefault("roles_form", role_fields.roles_form_for(incident))
    extra.setdefault("cadence", role_fields.cadence_of(incident))
    extra.setdefault("review", approval_views.review_state(incident))
    extra.setdefault("lead_missing", lead_missing(incident))
    extra.setdefault("followers", follows.follower_counts(incident))
    return render_template(
        "console/incident_detail.html",
        incident=incident,
        entries=composer.timeline(incident),
        form=update_form,
        resolve_form=resolve_form,
        affected_rows=affected_rows,
        other_rows=other_rows,
        zone=composer.page_zone(),
        can_edit=current_user.can_edit,
        # Each composer keeps the template chosen only when its own form was posted.
        picker=picker or template_picker.picker(
            posted=request.endpoint == "console.incident_update"),
        resolve_picker=resolve_picker or template_picker.picker(
            template_picker.RESOLVE_PHASES, posted=request.endpoint == "console.incident_resolve"),
        **extra,
    ), status
