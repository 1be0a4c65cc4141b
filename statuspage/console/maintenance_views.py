"""Console views for scheduled maintenance: list, schedule, timeline, start/verify/complete."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from statuspage.console import approval_views, bp, composer, outcomes, template_picker
from statuspage.console.access import require_role
from statuspage.console.compose import Composition, Step, compose
from statuspage.console.forms import to_utc
from statuspage.console.forms_incidents import MaintenanceActionForm, MaintenanceForm
from statuspage.core.errors import DomainError
from statuspage.incidents import lifecycle as use_cases
from statuspage.incidents.maintenance import (
    MaintenanceInput,
    schedule_maintenance,
    start_maintenance,
)
from statuspage.incidents.updates import UpdateInput
from statuspage.models import MAINTENANCE, Incident, IncidentUpdate, User
from statuspage.models.status import ACTIVE_MAINTENANCE_STATUSES
from statuspage.page import queries

RECENT_PAST = 25


def _maintenance_or_404(public_id: str) -> Incident:
    # The timeline loaded up front: the page shows every update and its component changes;
    # a window awaiting approval too (the console is where it is approved).
    maintenance = queries.incident_with_timeline(public_id, drafts=True)
    if maintenance is None or maintenance.kind != MAINTENANCE:
        abort(404)
    return maintenance


@bp.get("/maintenance", endpoint="maintenances")
@require_role("viewer")
def maintenance_list() -> ResponseReturnValue:
    return render_template(
        "console/maintenances.html",
        # Soonest first for what is ahead; newest first for what is over.
        upcoming=queries.incidents(MAINTENANCE, statuses=("scheduled",), newest_first=False,
                                   drafts=True),
        in_progress=queries.incidents(MAINTENANCE, statuses=ACTIVE_MAINTENANCE_STATUSES,
                                      newest_first=False),
        past=queries.incidents(MAINTENANCE, statuses=("completed",), limit=RECENT_PAST),
        zone=composer.page_zone(),
        can_edit=current_user.can_edit,
    )


def _window(form: MaintenanceForm, zone: str) -> tuple[datetime, datetime]:
    """The window in aware UTC; a missing end is reported before a missing start's effects."""
    start = to_utc(form.scheduled_for.data, zone, "scheduled_for")
    end = to_utc(form.scheduled_until.data, zone, "scheduled_until")
    if start is None:
        raise DomainError("Give the window's start.", "scheduled_for")
    if end is None:
        raise DomainError("Give the window's end.", "scheduled_until")
    return start, end


def _maintenance_input(form: MaintenanceForm) -> MaintenanceInput:
    start, end = _window(form, composer.page_zone())
    return MaintenanceInput(
        name=form.name.data or "",
        scheduled_for=start,
        scheduled_until=end,
        body=form.body.data or "",
        component_ids=list(form.components.data or []),
        auto_start=form.auto_start.data,
        auto_complete=form.auto_complete.data,
        deliver_notifications=form.deliver_notifications.data,
        auto_transition_components=form.auto_transition_components.data,
        remind_before_minutes=form.remind_before_minutes.data,
        sms_body=form.sms_body.data,
    )


def _new_page(form: MaintenanceForm, picker: template_picker.Picker | None = None,
              status: int = 200, **extra: Any) -> ResponseReturnValue:
    """The "schedule maintenance" page with what was typed; `picker` once a template was used."""
    picker = picker or template_picker.picker(template_picker.MAINTENANCE_PHASES["schedule"])
    return render_template("console/maintenance_new.html", form=form,
                           zone=composer.page_zone(), choices=composer.leaf_components(),
                           picker=picker, **extra), status


@bp.route("/maintenance/new", methods=["GET", "POST"])
@require_role("communicator")
def maintenance_new() -> ResponseReturnValue:
    form = MaintenanceForm()
    if request.method == "GET":
        return _new_page(form)
    return compose(Composition(
        form=form,
        render=lambda status=200, **extra: _new_page(form, status=status, **extra),
        template=lambda: {"picker": template_picker.for_new_maintenance(form)},
        preview=lambda: {"preview_html": composer.preview_of(form.body.data)},
        run=lambda: schedule_maintenance(_maintenance_input(form), current_user),
        outcome=outcomes.maintenance_scheduled,
        target=lambda maintenance: url_for("console.maintenance_detail",
                                           public_id=maintenance.public_id),
    ))


def _detail(maintenance: Incident, form: MaintenanceActionForm | None = None,
            action: str = "", status: int = 200,
            picker: template_picker.Picker | None = None, **extra: Any) -> ResponseReturnValue:
    """The timeline with a form per possible next step; a failed step keeps what was typed.

    Steps with a template phase (start, complete) offer "Use template"; the posted step's
    picker is `picker` once used, keeping the chosen template.
    """
    forms = {
        name: form if form is not None and name == action
        else MaintenanceActionForm(formdata=None, prefix=name)
        for name, (_, allowed_from, _) in _ACTIONS.items()
        if maintenance.status in allowed_from
    }
    if form is None:  # the author's rejected step, back in its form
        extra.setdefault("returned_notice",
                         approval_views.refill_maintenance_forms(maintenance, forms))
    pickers = {
        name: picker if picker is not None and name == action
        else template_picker.picker(template_picker.MAINTENANCE_PHASES[name],
                                    posted=name == action)
        for name in forms if name in template_picker.MAINTENANCE_PHASES
    }
    return render_template(
        "console/maintenance_detail.html",
        maintenance=maintenance,
        entries=composer.timeline(maintenance),
        forms=forms,
        pickers=pickers,
        zone=composer.page_zone(),
        can_edit=current_user.can_edit,
        review=approval_views.review_state(maintenance),
        **extra,
    ), status


@bp.get("/maintenance/<public_id>")
@require_role("viewer")
def maintenance_detail(public_id: str) -> ResponseReturnValue:
    return _detail(_maintenance_or_404(public_id))


def _start(maintenance: Incident, form: MaintenanceActionForm, actor: User) -> IncidentUpdate:
    return start_maintenance(maintenance, form.body.data or "", actor,
                             set_under_maintenance=form.set_components.data,
                             sms_body=form.sms_body.data)


def _verify(maintenance: Incident, form: MaintenanceActionForm, actor: User) -> IncidentUpdate:
    return use_cases.post_update(maintenance, UpdateInput(
        status="verifying", body=form.body.data or "", sms_body=form.sms_body.data), actor)


def _complete(maintenance: Incident, form: MaintenanceActionForm,
              actor: User) -> IncidentUpdate:
    return use_cases.resolve_incident(maintenance, form.body.data or "", actor,
                                      restore_components=form.restore_components.data,
                                      sms_body=form.sms_body.data)


# action -> (use-case, statuses it may follow, what the flash says)
_ACTIONS = {
    "start": (_start, ("scheduled",), "Maintenance started."),
    "verify": (_verify, ("in_progress",), "Maintenance is being verified."),
    "complete": (_complete, ("scheduled", "in_progress", "verifying"), "Maintenance completed."),
}


def _refuse_step(maintenance: Incident, action: str) -> ResponseReturnValue:
    # The use-cases accept any status order; the console offers only forward steps, so a
    # stale page (someone else already started it) is refused instead of repeated.
    flash(_("This maintenance is %(status)s; it cannot %(action)s now.",
            status=maintenance.status.replace("_", " "), action=action), "error")
    return redirect(url_for("console.maintenance_detail",
                            public_id=maintenance.public_id)), 303


def _step_template(form: MaintenanceActionForm, maintenance: Incident,
                   action: str) -> Step | None:
    """The step's "Use template", for the steps with a template phase (not verify)."""
    if action not in template_picker.MAINTENANCE_PHASES:
        return None
    return lambda: {"picker": template_picker.for_maintenance_step(form, maintenance, action)}


@bp.post("/maintenance/<public_id>/<any(start, verify, complete):action>")
@require_role("communicator")
def maintenance_action(public_id: str, action: str) -> ResponseReturnValue:
    maintenance = _maintenance_or_404(public_id)
    form = MaintenanceActionForm(prefix=action)
    run, allowed_from, done = _ACTIONS[action]
    if maintenance.status not in allowed_from:
        return _refuse_step(maintenance, action)
    return compose(Composition(
        form=form,
        render=lambda status=200, **extra: _detail(maintenance, form, action, status, **extra),
        template=_step_template(form, maintenance, action),
        preview=lambda: {"preview_action": action,
                         "preview_html": composer.preview_of(form.body.data)},
        run=lambda: run(maintenance, form, current_user),
        outcome=lambda update: outcomes.maintenance_step(action, update, done),
        target=lambda _update: url_for("console.maintenance_detail", public_id=public_id),
    ))
