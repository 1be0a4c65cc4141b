"""The incident composer's template select: "Use template" fills the message body and the
SMS text (sent as it reads there: IncidentUpdate.sms_body).

No JavaScript needed: the button submits the whole form with `action=use_template`; the view
re-renders it with everything typed kept and the body replaced by the chosen template, rendered
for what the form says (title, components, status) and the plan's update cadence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import request

from statuspage.console.composer import leaf_components
from statuspage.console.forms import ConsoleForm
from statuspage.core.errors import DomainError, NotFound
from statuspage.core.segments import SegmentInfo, analyse
from statuspage.incidents import templates as message_templates
from statuspage.models import Component, Incident
from statuspage.models.plan import MAINTENANCE_PLAN
from statuspage.models.status import STATUS_LABELS
from statuspage.page.record import get_page
from statuspage.plan.rules import cadence_minutes, plan_severity

USE_TEMPLATE = "use_template"
# An update to an open incident: the phases its status select offers.
INCIDENT_PHASES = ("investigating", "identified", "monitoring")
RESOLVE_PHASES = ("resolved",)
# The maintenance composers: scheduling, and the steps of console/maintenance_views._ACTIONS
# that have a phase of their own ("verify" has none, so it offers no template).
MAINTENANCE_PHASES = {
    "schedule": ("maintenance_scheduled",),
    "start": ("maintenance_started",),
    "complete": ("maintenance_completed",),
}
# What {status} says in a composer without a status select.
COMPOSER_STATUS = {"resolve": "resolved", "schedule": "scheduled", "start": "in_progress",
                   "complete": "completed"}
# Said for {affected_components} when the form names none.
NO_COMPONENTS = "our services"


@dataclass(frozen=True)
class Picker:
    """The select's options, the chosen template and, once used, its SMS wording."""

    options: list[tuple[str, str]]
    selected: str = ""
    sms: str = ""
    sms_info: SegmentInfo | None = None


def picker(phases: tuple[str, ...] = INCIDENT_PHASES, posted: bool = True) -> Picker:
    """The templates the composer offers, keeping the one chosen in the posted form.

    `posted=False` for a composer on the page other than the one whose form was posted.
    """
    options = [(t.public_id, f"{message_templates.PHASE_LABELS[t.phase]}: {t.name}")
               for t in message_templates.templates_for(phases)]
    return Picker(options, request.form.get("template", "") if posted else "")


def _next_update(severity: str | None) -> str:
    try:
        cadence = cadence_minutes(severity or "")
    except ValueError:  # no severity typed yet, or one the plan does not know
        cadence = None
    return message_templates.next_update_time(cadence, get_page().time_zone)


def _component_names(chosen: Mapping[int, str], affected: list[Component]) -> str:
    ids = {c.id for c in affected if not c.is_group} | {i for i, s in chosen.items() if s}
    names = [c.display_name for c in leaf_components() if c.id in ids]
    return ", ".join(names) or NO_COMPONENTS


def use(current: Picker, form: ConsoleForm, *, title: str, severity: str | None,
        chosen: Mapping[int, str], affected: list[Component] | None = None,
        status: str | None = None) -> Picker:
    """Put the chosen template, rendered, into `form.body`; errors go on the form.

    {status} is the form's status select, or `status` for a composer without one.
    """
    try:
        template = message_templates.get_template(current.selected)
    except NotFound:
        form.add_error(DomainError("Choose a template to use.", "template"))
        return current
    select = getattr(form, "status", None)
    if status is None and select is not None:
        status = select.data
    context = {
        "page_name": get_page().name,
        "incident_title": title,
        "affected_components": _component_names(chosen, affected or []),
        "next_update_time": _next_update(severity),
        "status": STATUS_LABELS.get(status or "", ""),
    }
    rendered = message_templates.render(template, context)
    form.body.data = rendered.body
    sms_field = getattr(form, "sms_body", None)
    if sms_field is not None:  # the SMS sent is the template's wording, editable
        sms_field.data = " ".join(rendered.sms_body.split())
    return Picker(current.options, current.selected, rendered.sms_body,
                  analyse(rendered.sms_body))


def for_new_incident(form: ConsoleForm, chosen: Mapping[int, str]) -> Picker:
    """"Use template" on the open-an-incident form: its title, severity and components."""
    return use(picker(), form, title=form.name.data or "",
               severity=form.severity.data, chosen=chosen)


def for_update(form: ConsoleForm, incident: Incident, chosen: Mapping[int, str]) -> Picker:
    """"Use template" on an incident's update form: its title, plan row and components."""
    return use(picker(), form, title=incident.name, severity=plan_severity(incident),
               chosen=chosen, affected=list(incident.components))


def for_resolve(form: ConsoleForm, incident: Incident) -> Picker:
    """"Use template" on an incident's resolve form: the resolved phase's templates."""
    return use(picker(RESOLVE_PHASES), form, title=incident.name,
               severity=plan_severity(incident), chosen={}, affected=list(incident.components),
               status=COMPOSER_STATUS["resolve"])


def for_new_maintenance(form: ConsoleForm) -> Picker:
    """"Use template" on the schedule form: its title and chosen components."""
    chosen = {int(i): "chosen" for i in form.components.data or []}
    return use(picker(MAINTENANCE_PHASES["schedule"]), form,
               title=form.name.data or "",
               severity=MAINTENANCE_PLAN, chosen=chosen, status=COMPOSER_STATUS["schedule"])


def for_maintenance_step(form: ConsoleForm, maintenance: Incident, step: str) -> Picker:
    """"Use template" on a maintenance's start or complete form."""
    return use(picker(MAINTENANCE_PHASES[step]), form, title=maintenance.name,
               severity=MAINTENANCE_PLAN, chosen={}, affected=list(maintenance.components),
               status=COMPOSER_STATUS[step])
