"""Console views for incidents: list, open, timeline, post an update, resolve.

Each composer's POST runs the shared cascade (console/compose.py); the timeline page itself
is console/incident_page.py."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from statuspage.console import bp, composer, reach_preview, role_fields, template_picker
from statuspage.console.access import require_role
from statuspage.console.compose import Composition, compose
from statuspage.console.declare import aids
from statuspage.console.forms import component_statuses, to_utc
from statuspage.console.forms_incidents import IncidentForm, ResolveForm, UpdateForm
from statuspage.console.incident_page import detail_page, incident_or_404
from statuspage.console.outcomes import declared, resolution, update_posted
from statuspage.incidents import cadence
from statuspage.incidents import lifecycle as use_cases
from statuspage.incidents.updates import UpdateInput
from statuspage.models import INCIDENT, Incident, utcnow
from statuspage.page import queries

RECENT_RESOLVED = 25


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


def new_page(form: IncidentForm, chosen: Mapping[int, str],
             picker: template_picker.Picker | None = None, status: int = 200,
             **extra: Any) -> ResponseReturnValue:
    """The "open an incident" page with what was typed; `picker` once a template was used.
    Also the page that declares an incident from an alert proposal (console.proposal_views),
    which passes the form's `form_action` and the proposal's `alert_notes`."""
    _groups, rows = composer.component_rows(chosen)
    return render_template("console/incident_new.html", form=form, other_rows=rows,
                           zone=composer.page_zone(),
                           picker=picker or template_picker.picker(),
                           declare=aids(form, chosen), **extra), status


def incident_input(form: IncidentForm, chosen: dict[int, str]) -> use_cases.IncidentInput:
    return use_cases.IncidentInput(
        name=form.name.data or "",
        severity=form.severity.data or "",
        started_at=to_utc(form.started_at.data, composer.page_zone(), "started_at"),
        commander_id=role_fields.chosen_user_id(form.commander_id.data, "commander_id"),
        comms_lead_id=role_fields.chosen_user_id(form.comms_lead_id.data, "comms_lead_id"),
        update=UpdateInput(
            status=form.status.data or "",
            body=form.body.data or "",
            component_statuses=chosen,
            deliver_notifications=form.deliver_notifications.data,
            sms_body=form.sms_body.data,
        ),
    )


def new_reach(form: IncidentForm, chosen: dict[int, str]) -> dict[str, Any]:
    return {"reach": reach_preview.preview_reach(
        None, status=form.status.data or "", body=form.body.data or "", chosen=chosen,
        deliver=bool(form.deliver_notifications.data), name=form.name.data or "",
        severity=form.severity.data or None, sms_body=form.sms_body.data)}


@bp.route("/incidents/new", methods=["GET", "POST"])
@require_role("communicator")
def incident_new() -> ResponseReturnValue:
    # The communications lead defaults to whoever declares: cadence reminders reach someone.
    form = IncidentForm(comms_lead_id=str(current_user.id))
    role_fields.fill_role_choices(form)
    chosen = component_statuses(request.form, composer.leaf_components())
    if request.method == "GET":
        return new_page(form, chosen)
    return compose(Composition(
        form=form,
        render=lambda status=200, **extra: new_page(form, chosen, status=status, **extra),
        template=lambda: {"picker": template_picker.for_new_incident(form, chosen)},
        preview=lambda: {"preview_html": composer.preview_of(form.body.data)},
        reach=lambda: new_reach(form, chosen),
        run=lambda: use_cases.open_incident(incident_input(form, chosen), current_user),
        outcome=declared,
        target=lambda incident: url_for("console.incident_detail",
                                        public_id=incident.public_id),
    ))


@bp.get("/incidents/<public_id>")
@require_role("viewer")
def incident_detail(public_id: str) -> ResponseReturnValue:
    return detail_page(incident_or_404(public_id))


def _update_input(form: UpdateForm, chosen: dict[int, str]) -> UpdateInput:
    return UpdateInput(
        status=form.status.data or "",
        body=form.body.data or "",
        component_statuses=chosen,
        deliver_notifications=form.deliver_notifications.data,
        visibility=form.visibility.data or "public",
        sms_body=form.sms_body.data,
    )


def _update_reach(incident: Incident, form: UpdateForm, chosen: dict[int, str]
                  ) -> dict[str, Any]:
    return {"reach": reach_preview.preview_reach(
        incident, status=form.status.data or "", body=form.body.data or "", chosen=chosen,
        visibility=form.visibility.data or "public",
        deliver=bool(form.deliver_notifications.data), sms_body=form.sms_body.data)}


@bp.post("/incidents/<public_id>/updates")
@require_role("communicator")
def incident_update(public_id: str) -> ResponseReturnValue:
    incident = incident_or_404(public_id)
    form = UpdateForm()
    chosen = component_statuses(request.form, composer.leaf_components())
    return compose(Composition(
        form=form,
        render=lambda status=200, **extra: detail_page(incident, form, status=status,
                                                       chosen=chosen, **extra),
        template=lambda: {"picker": template_picker.for_update(form, incident, chosen)},
        preview=lambda: {"preview_html": composer.preview_of(form.body.data)},
        reach=lambda: _update_reach(incident, form, chosen),
        run=lambda: use_cases.post_update(incident, _update_input(form, chosen), current_user),
        outcome=update_posted,
        target=lambda _update: url_for("console.incident_detail", public_id=public_id),
    ))


@bp.post("/incidents/<public_id>/resolve")
@require_role("communicator")
def incident_resolve(public_id: str) -> ResponseReturnValue:
    incident = incident_or_404(public_id)
    form = ResolveForm(prefix="resolve")
    return compose(Composition(
        form=form,
        render=lambda status=200, **extra: detail_page(incident, resolve_form=form,
                                                       status=status, **extra),
        template=lambda: {"resolve_picker": template_picker.for_resolve(form, incident)},
        preview=lambda: {"resolve_preview_html": composer.preview_of(form.body.data)},
        run=lambda: use_cases.resolve_incident(
            incident, form.body.data or "", current_user,
            restore_components=form.restore_components.data, sms_body=form.sms_body.data),
        outcome=lambda update: resolution(incident, update),
        target=lambda _update: url_for("console.incident_detail", public_id=public_id),
    ))
