"""Console views for incidents: list, open, timeline, post an update, resolve."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from statuspage import cadence, queries
from statuspage import incidents as use_cases
from statuspage.console import approval_views, bp, composer, reach_preview, template_picker
from statuspage.console import incident_role_views as roles
from statuspage.console.access import require_role
from statuspage.console.declare import aids, lead_missing
from statuspage.console.forms import component_statuses, to_utc
from statuspage.console.forms_incidents import IncidentForm, ResolveForm, UpdateForm
from statuspage.console.outcomes import declared, resolution, update_posted
from statuspage.errors import DomainError
from statuspage.models import INCIDENT, Incident, utcnow

INVALID = 422
RECENT_RESOLVED = 25


def _incident_or_404(public_id: str) -> Incident:
    # The timeline loaded up front: the page shows every update and its component changes.
    incident = queries.incident_with_timeline(public_id, drafts=True)
    if incident is None or incident.kind != INCIDENT:
        abort(404)
    return incident


@bp.get("/incidents", endpoint="incidents")
@require_role("viewer")
def incident_list() -> ResponseReturnValue:
    open_incidents = queries.unresolved_incidents(drafts=True)
    return render_template(
        "console/incidents.html",
        open_incidents=open_incidents,
        cadence=cadence.cadence_states(open_incidents, utcnow()),
        resolved=queries.incidents(INCIDENT, statuses=("resolved", "postmortem"),
                                   limit=RECENT_RESOLVED),
        zone=composer.page_zone(),
        can_edit=current_user.can_edit,
    )


@bp.route("/incidents/new", methods=["GET", "POST"])
@require_role("communicator")
def incident_new() -> ResponseReturnValue:
    # The communications lead defaults to whoever declares: cadence reminders reach someone.
    form = IncidentForm(comms_lead_id=str(current_user.id))
    roles.fill_role_choices(form)
    zone = composer.page_zone()
    chosen = component_statuses(request.form, composer.leaf_components())
    picker = template_picker.picker()

    def page(status: int = 200, error: DomainError | None = None, **extra: Any
             ) -> ResponseReturnValue:
        if error is not None:
            form.add_error(error)
        _groups, rows = composer.component_rows(chosen)
        return render_template("console/incident_new.html", form=form, other_rows=rows,
                               zone=zone, picker=picker, declare=aids(form, chosen),
                               **extra), status

    if request.method == "GET":
        return page()
    if not form.validate():
        return page(INVALID)
    if template_picker.wants_template():
        picker = template_picker.for_new_incident(form, chosen)
        return page(INVALID if form.error_for("template") else 200)
    if composer.wants_preview():
        return page(preview_html=composer.preview_of(form.body.data))
    if reach_preview.wants_reach():
        return page(reach=reach_preview.preview_reach(
            None, status=form.status.data or "", body=form.body.data or "", chosen=chosen,
            deliver=bool(form.deliver_notifications.data), name=form.name.data or "",
            severity=form.severity.data or None, sms_body=form.sms_body.data))
    try:
        incident = use_cases.open_incident(use_cases.IncidentInput(
            name=form.name.data or "",
            severity=form.severity.data or "",
            started_at=to_utc(form.started_at.data, zone, "started_at"),
            commander_id=roles.chosen_user_id(form.commander_id.data, "commander_id"),
            comms_lead_id=roles.chosen_user_id(form.comms_lead_id.data, "comms_lead_id"),
            update=use_cases.UpdateInput(
                status=form.status.data or "",
                body=form.body.data or "",
                component_statuses=chosen,
                deliver_notifications=form.deliver_notifications.data,
                sms_body=form.sms_body.data,
            ),
        ), current_user)
    except DomainError as error:
        return page(INVALID, error)
    flash(*declared(incident))
    return redirect(url_for("console.incident_detail", public_id=incident.public_id)), 303


def _detail(incident: Incident, update_form: UpdateForm | None = None,
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
    extra.setdefault("roles_form", roles.roles_form_for(incident))
    extra.setdefault("cadence", roles.cadence_of(incident))
    extra.setdefault("review", approval_views.review_state(incident))
    extra.setdefault("lead_missing", lead_missing(incident))
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


@bp.get("/incidents/<public_id>")
@require_role("viewer")
def incident_detail(public_id: str) -> ResponseReturnValue:
    return _detail(_incident_or_404(public_id))


@bp.post("/incidents/<public_id>/updates")
@require_role("communicator")
def incident_update(public_id: str) -> ResponseReturnValue:
    incident = _incident_or_404(public_id)
    form = UpdateForm()
    chosen = component_statuses(request.form, composer.leaf_components())
    if not form.validate():
        return _detail(incident, form, status=INVALID, chosen=chosen)
    if template_picker.wants_template():
        picker = template_picker.for_update(form, incident, chosen)
        return _detail(incident, form, chosen=chosen, picker=picker,
                       status=INVALID if form.error_for("template") else 200)
    if composer.wants_preview():
        return _detail(incident, form, chosen=chosen,
                       preview_html=composer.preview_of(form.body.data))
    if reach_preview.wants_reach():
        return _detail(incident, form, chosen=chosen, reach=reach_preview.preview_reach(
            incident, status=form.status.data or "", body=form.body.data or "", chosen=chosen,
            visibility=form.visibility.data or "public",
            deliver=bool(form.deliver_notifications.data), sms_body=form.sms_body.data))
    try:
        update = use_cases.post_update(incident, use_cases.UpdateInput(
            status=form.status.data or "",
            body=form.body.data or "",
            component_statuses=chosen,
            deliver_notifications=form.deliver_notifications.data,
            visibility=form.visibility.data or "public",
            sms_body=form.sms_body.data,
        ), current_user)
    except DomainError as error:
        form.add_error(error)
        return _detail(incident, form, status=INVALID, chosen=chosen)
    flash(*update_posted(update))
    return redirect(url_for("console.incident_detail", public_id=public_id)), 303


@bp.post("/incidents/<public_id>/resolve")
@require_role("communicator")
def incident_resolve(public_id: str) -> ResponseReturnValue:
    incident = _incident_or_404(public_id)
    form = ResolveForm(prefix="resolve")
    if not form.validate():
        return _detail(incident, resolve_form=form, status=INVALID)
    if template_picker.wants_template():
        picker = template_picker.for_resolve(form, incident)
        return _detail(incident, resolve_form=form, resolve_picker=picker,
                       status=INVALID if form.error_for("template") else 200)
    if composer.wants_preview():
        return _detail(incident, resolve_form=form,
                       resolve_preview_html=composer.preview_of(form.body.data))
    try:
        update = use_cases.resolve_incident(incident, form.body.data or "", current_user,
                                            restore_components=form.restore_components.data,
                                            sms_body=form.sms_body.data)
    except DomainError as error:
        form.add_error(error)
        return _detail(incident, resolve_form=form, status=INVALID)
    flash(*resolution(incident, update))
    return redirect(url_for("console.incident_detail", public_id=public_id)), 303
