"""Console pages for message templates: viewers read them, communicators change them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from statuspage.console import bp
from statuspage.console.access import require_role
from statuspage.core.errors import DomainError, NotFound
from statuspage.core.rendering import markdown_html
from statuspage.core.segments import SegmentInfo, analyse
from statuspage.incidents import templates as use_cases
from statuspage.models import TEMPLATE_PHASES, MessageTemplate
from statuspage.page.record import get_page

INVALID = 422
FIELDS = ("phase", "name", "title", "body", "sms_body")


@dataclass(frozen=True)
class TemplateRow:
    """A template with its example rendering, as the list shows it."""

    template: MessageTemplate
    body_html: Markup
    sms: str
    sms_info: SegmentInfo


def _row(template: MessageTemplate, context: Mapping[str, object]) -> TemplateRow:
    rendered = use_cases.render(template, context)
    return TemplateRow(template, markdown_html(rendered.body), rendered.sms_body,
                       analyse(rendered.sms_body))


def _input() -> use_cases.TemplateInput:
    return use_cases.TemplateInput(**{key: request.form.get(key, "") for key in FIELDS})


def _template_or_404(public_id: str) -> MessageTemplate:
    try:
        return use_cases.get_template(public_id)
    except NotFound:
        abort(404)


def _values(template: MessageTemplate) -> dict[str, str]:
    return {key: getattr(template, key) for key in FIELDS}


def _common() -> dict[str, object]:
    return {"phases": [(p, use_cases.PHASE_LABELS[p]) for p in TEMPLATE_PHASES],
            "placeholders": use_cases.PLACEHOLDERS, "can_edit": current_user.can_edit}


def _list_page(error: DomainError | None = None, status: int = 200) -> ResponseReturnValue:
    context = use_cases.sample_context(get_page().name)
    rows = [_row(t, context) for t in use_cases.list_templates()]
    values = request.form if request.method == "POST" else {"phase": TEMPLATE_PHASES[0]}
    return render_template("console/message_templates.html", rows=rows, error=error,
                           values=values, **_common()), status


def _detail_page(template: MessageTemplate, error: DomainError | None = None,
                 status: int = 200) -> ResponseReturnValue:
    values = request.form if request.method == "POST" else _values(template)
    row = _row(template, use_cases.sample_context(get_page().name))
    return render_template("console/message_template.html", template=template, row=row,
                           error=error, values=values, **_common()), status


@bp.get("/templates", endpoint="message_templates")
@require_role("viewer")
def template_list() -> ResponseReturnValue:
    return _list_page()


@bp.post("/templates")
@require_role("communicator")
def template_create() -> ResponseReturnValue:
    try:
        template = use_cases.create_template(_input(), current_user)
    except DomainError as error:
        return _list_page(error, INVALID)
    flash(_("Template %(name)s created.", name=template.name), "success")
    return redirect(url_for("console.message_templates")), 303


@bp.get("/templates/<public_id>")
@require_role("viewer")
def template_detail(public_id: str) -> ResponseReturnValue:
    return _detail_page(_template_or_404(public_id))


@bp.post("/templates/<public_id>")
@require_role("communicator")
def template_update(public_id: str) -> ResponseReturnValue:
    template = _template_or_404(public_id)
    try:
        use_cases.update_template(template, _input(), current_user)
    except DomainError as error:
        return _detail_page(_template_or_404(public_id), error, INVALID)
    flash(_("Template saved."), "success")
    return redirect(url_for("console.template_detail", public_id=public_id)), 303


@bp.post("/templates/<public_id>/delete")
@require_role("communicator")
def template_delete(public_id: str) -> ResponseReturnValue:
    template = _template_or_404(public_id)
    name = template.name
    use_cases.delete_template(template, current_user)
    flash(_("Template %(name)s deleted.", name=name), "success")
    return redirect(url_for("console.message_templates")), 303
