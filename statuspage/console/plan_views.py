"""Console views for the communication plan: the matrix editor and YAML download/upload.

Everyone in the console reads the plan; only admins change it, since it decides who is
messaged for every incident.
"""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from statuspage.console import bp
from statuspage.console.access import require_role
from statuspage.core.errors import DomainError
from statuspage.core.numbers import whole_number
from statuspage.models.plan import MAINTENANCE_PLAN, PLAN_SEVERITIES, PUBLIC
from statuspage.models.subscribers import PLAN_CHANNELS
from statuspage.plan import rules as use_cases
from statuspage.plan import save as saving
from statuspage.plan import yaml_io
from statuspage.plan.document import MAX_DEFINITION, MEMBER_CHANNELS, events_for
from statuspage.plan.stakeholders import groups_with_counts

INVALID = 422
# The matrix form carries this marker, so a stray empty POST cannot wipe the plan.
MATRIX_MARKER = "plan_matrix"


def _audiences() -> list[dict[str, Any]]:
    """Public, then each stakeholder group: key, label and the channels it can use."""
    rows: list[dict[str, Any]] = [{"key": PUBLIC, "name": PUBLIC, "label": "Public subscribers",
                                   "members": None, "channels": PLAN_CHANNELS}]
    rows += [{"key": group.public_id, "name": group.name, "label": group.name,
              "members": count, "channels": MEMBER_CHANNELS}
             for group, count in groups_with_counts()]
    return rows


def _page(document: dict[str, Any], errors: list[str] | None = None,
          status: int = 200) -> ResponseReturnValue:
    return render_template(
        "console/plan.html", document=document, audiences=_audiences(),
        severities=[(severity, events_for(severity)) for severity in PLAN_SEVERITIES],
        can_edit=current_user.is_admin, errors=errors or [], marker=MATRIX_MARKER,
        max_definition=MAX_DEFINITION), status


@bp.get("/plan", endpoint="plan")
@require_role("viewer")
def plan_matrix() -> ResponseReturnValue:
    if current_user.is_admin and not use_cases.plan_exists():
        # Store the default the first time an admin opens the editor, so it can be edited.
        saving.seed_default_plan(current_user)
    return _page(yaml_io.export_document())


def _minutes(form: MultiDict[str, str], name: str) -> Any:
    """A typed number of minutes: an int, None when empty, else the text (validation names it)."""
    raw = form.get(name, "").strip()
    number = whole_number(raw)
    return number if number is not None else (raw or None)


def _targets(form: MultiDict[str, str], severity: str) -> dict[str, Any]:
    """An incident severity's definition and first-update target (maintenance has neither)."""
    if severity == MAINTENANCE_PLAN:
        return {}
    return {"definition": form.get(f"{severity}.definition", "").strip() or None,
            "first_update_minutes": _minutes(form, f"{severity}.first_update_minutes")}


def _document_from_form(form: MultiDict[str, str]) -> dict[str, Any]:
    """The plan document the matrix form describes (field names: SEV.audience-key.event)."""
    names = {row["key"]: row["name"] for row in _audiences()}
    severities: dict[str, Any] = {}
    for severity in PLAN_SEVERITIES:
        cadence = _minutes(form, f"{severity}.cadence_minutes")
        audiences: dict[str, Any] = {}
        for key, name in names.items():
            events = {event: form.getlist(f"{severity}.{key}.{event}")
                      for event in events_for(severity)}
            events = {event: channels for event, channels in events.items() if channels}
            if events:
                audiences[name] = events
        severities[severity] = {**_targets(form, severity), "cadence_minutes": cadence,
                                "approval": form.get(f"{severity}.approval") == "on",
                                "audiences": audiences}
    return {"version": 1, "severities": severities}


@bp.post("/plan")
@require_role("admin")
def plan_save() -> ResponseReturnValue:
    if request.form.get(MATRIX_MARKER) != "1":
        return "The plan form was incomplete; nothing was changed.", 400
    document = _document_from_form(request.form)
    try:
        saving.save_document(document, current_user)
    except DomainError as error:
        return _page(document, getattr(error, "errors", [error.message]), INVALID)
    flash(_("The communication plan is saved."), "success")
    return redirect(url_for("console.plan")), 303


@bp.get("/plan.yaml")
@require_role("admin")
def plan_download() -> ResponseReturnValue:
    return Response(yaml_io.export_yaml(), mimetype="application/yaml", headers={
        "Content-Disposition": 'attachment; filename="communication-plan.yaml"'})


@bp.post("/plan/import")
@require_role("admin")
def plan_upload() -> ResponseReturnValue:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a YAML file to import."), "error")
        return redirect(url_for("console.plan")), 303
    try:
        text = upload.read(yaml_io.MAX_YAML_CHARS + 1).decode("utf-8")
        yaml_io.import_yaml(text, current_user)
    except UnicodeDecodeError:
        errors = ["(document): the file is not UTF-8 text"]
    except DomainError as error:
        errors = getattr(error, "errors", [error.message])
    else:
        flash(_("The plan was imported."), "success")
        return redirect(url_for("console.plan")), 303
    return _page(yaml_io.export_document(), errors, INVALID)
