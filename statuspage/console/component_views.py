"""Console views for components and groups: list, create, edit, reorder, delete."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from statuspage.components import editing as use_cases
from statuspage.components.deletion import delete_component
from statuspage.components.ordering import move_component
from statuspage.console import bp
from statuspage.console.access import require_role
from statuspage.console.forms import ComponentForm, ConsoleForm, DeleteForm, GroupForm
from statuspage.core.errors import DomainError, NotFound
from statuspage.models import Component
from statuspage.page.queries import ordered_components

INVALID = 422


@dataclass(frozen=True)
class Row:
    """One line of the components table, with what its move buttons may do."""

    component: Component
    nested: bool
    first: bool
    last: bool


def _rows() -> list[Row]:
    ordered = ordered_components()
    by_parent: dict[int | None, list[Component]] = {}
    for component in ordered:
        by_parent.setdefault(component.group_id, []).append(component)
    return [
        Row(c, c.group_id is not None, by_parent[c.group_id][0] is c,
            by_parent[c.group_id][-1] is c)
        for c in ordered
    ]


def _component_or_404(public_id: str) -> Component:
    try:
        return use_cases.get_component(public_id)
    except NotFound:
        abort(404)


def _invalid(template: str, form: ConsoleForm, error: DomainError | None = None, /,
             **context: object) -> ResponseReturnValue:
    if error is not None:
        form.add_error(error)
    return render_template(template, form=form, **context), INVALID


def _component_input(form: ComponentForm) -> use_cases.ComponentInput:
    return use_cases.ComponentInput(
        name=form.name.data or "",
        description=form.description.data or "",
        group_id=form.group_id.data,
        showcase=form.showcase.data,
        only_show_if_degraded=form.only_show_if_degraded.data,
        start_date=form.start_date.data,
        status=form.status.data or "",
    )


@bp.get("/components", endpoint="components")
@require_role("viewer")
def component_list() -> ResponseReturnValue:
    return render_template("console/components.html", rows=_rows(),
                           can_edit=current_user.can_edit)


@bp.route("/components/new", methods=["GET", "POST"])
@require_role("communicator")
def component_new() -> ResponseReturnValue:
    form = ComponentForm()
    form.set_groups(use_cases.groups())
    context = {"component": None, "kind": "component"}
    if request.method == "GET":
        return render_template("console/component_form.html", form=form, **context)
    if not form.validate():
        return _invalid("console/component_form.html", form, **context)
    try:
        component = use_cases.create_component(_component_input(form), current_user)
    except DomainError as error:
        return _invalid("console/component_form.html", form, error, **context)
    flash(_("Component “%(name)s” created.", name=component.name), "success")
    return redirect(url_for("console.components"))


@bp.route("/components/groups/new", methods=["GET", "POST"])
@require_role("communicator")
def group_new() -> ResponseReturnValue:
    form = GroupForm()
    choices = [c for c in ordered_components() if not c.is_group]
    context = {"component": None, "kind": "group", "choices": choices}
    if request.method == "GET":
        return render_template("console/component_form.html", form=form, **context)
    if not form.validate():
        return _invalid("console/component_form.html", form, **context)
    try:
        group = use_cases.create_group(form.name.data or "", current_user,
                                       description=form.description.data or "",
                                       component_ids=form.components.data or [])
    except DomainError as error:
        return _invalid("console/component_form.html", form, error, **context)
    flash(_("Group “%(name)s” created.", name=group.name), "success")
    return redirect(url_for("console.components"))


@bp.route("/components/<public_id>/edit", methods=["GET", "POST"])
@require_role("communicator")
def component_edit(public_id: str) -> ResponseReturnValue:
    component = _component_or_404(public_id)
    form = ComponentForm(obj=component)
    form.set_groups(g for g in use_cases.groups() if g.id != component.id)
    context = {"component": component, "kind": "group" if component.is_group else "component"}
    if request.method == "GET":
        return render_template("console/component_form.html", form=form, **context)
    if not form.validate():
        return _invalid("console/component_form.html", form, **context)
    try:
        use_cases.update_component(component, _component_input(form), current_user)
    except DomainError as error:
        return _invalid("console/component_form.html", form, error, **context)
    flash(_("“%(name)s” saved.", name=component.name), "success")
    return redirect(url_for("console.components"))


@bp.post("/components/<public_id>/move")
@require_role("communicator")
def component_move(public_id: str) -> ResponseReturnValue:
    component = _component_or_404(public_id)
    try:
        move_component(component, request.form.get("direction", ""), current_user)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("console.components")), 303
    return redirect(url_for("console.components", _anchor=f"c-{component.public_id}")), 303


@bp.route("/components/<public_id>/delete", methods=["GET", "POST"])
@require_role("communicator")
def component_delete(public_id: str) -> ResponseReturnValue:
    """GET asks for confirmation; only the confirming POST deletes."""
    component = _component_or_404(public_id)
    form = DeleteForm()
    context = {"component": component, "children": list(component.children)
               if component.is_group else []}
    if request.method == "GET":
        return render_template("console/component_delete.html", form=form, **context)
    name = component.name
    try:
        delete_component(component, current_user, children=form.children.data or "")
    except DomainError as error:
        return _invalid("console/component_delete.html", form, error, **context)
    flash(_("“%(name)s” deleted.", name=name), "success")
    return redirect(url_for("console.components")), 303
