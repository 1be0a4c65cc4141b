"""Monitoring alerts in the console: the sources that may post, the label mappings, and the
latest proposals. Everyone signed in may look; only admins change sources and mappings (a
source's token posts alerts, and an automatic mapping changes the public page)."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, make_response, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from statuspage.alerts import board, mappings, sources
from statuspage.alerts.mappings import MappingInput
from statuspage.console import bp, composer, proposal_cards
from statuspage.console.access import require_role
from statuspage.console.auth_views import display_zone
from statuspage.console.forms_alerts import HmacForm, MappingForm, SourceForm
from statuspage.core.errors import DomainError, NotFound
from statuspage.models import AlertSource

INVALID = 422


def _page(source_form: SourceForm | None = None, mapping_form: MappingForm | None = None,
          status: int = 200) -> ResponseReturnValue:
    all_sources = sources.list_sources()
    mapping_form = mapping_form or MappingForm(formdata=None)
    mapping_form.set_choices(composer.leaf_components(), all_sources)
    can_decide = bool(current_user.can_edit)
    return render_template(
        "console/alerts.html", sources=all_sources, mappings=mappings.list_mappings(),
        proposals=[proposal_cards.card(p, can_decide) for p in board.recent()],
        source_form=source_form or SourceForm(formdata=None), mapping_form=mapping_form,
        hmac_form=HmacForm(formdata=None), zone=display_zone(),
        is_admin=current_user.role == "admin"), status


def _source_or_404(public_id: str) -> AlertSource:
    try:
        return sources.get_source(public_id)
    except NotFound:
        abort(404)


def _secret_page(template: str, **context: Any) -> ResponseReturnValue:
    # The clear secret exists only in this response: keep it out of browser and proxy caches.
    response = make_response(render_template(
        template, base_url=current_app.config["PUBLIC_BASE_URL"], **context))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/alerts")
@require_role("viewer")
def alerts() -> ResponseReturnValue:
    return _page()


@bp.post("/alerts/sources")
@require_role("admin")
def alert_source_create() -> ResponseReturnValue:
    form = SourceForm()
    if not form.validate():
        return _page(source_form=form, status=INVALID)
    try:
        created = sources.create_source(form.name.data or "", form.kind.data or "",
                                        form.default_severity.data or "", current_user)
    except DomainError as error:
        form.add_error(error)
        return _page(source_form=form, status=INVALID)
    return _secret_page("console/alert_source_created.html", source=created.source,
                        secret=created.secret)


@bp.post("/alerts/sources/<public_id>/revoke")
@require_role("admin")
def alert_source_revoke(public_id: str) -> ResponseReturnValue:
    source = _source_or_404(public_id)
    try:
        sources.revoke_source(source, current_user)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(f"“{source.name}” is revoked: its alerts are refused from now on.", "success")
    return redirect(url_for("console.alerts")), 303


@bp.post("/alerts/sources/<public_id>/hmac")
@require_role("admin")
def alert_source_hmac(public_id: str) -> ResponseReturnValue:
    source = _source_or_404(public_id)
    form = HmacForm()
    try:
        if not form.validate():
            raise DomainError(" ".join(form.all_errors()), "timestamp_header")
        made = sources.set_hmac(source, form.timestamp_header.data or "", current_user)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("console.alerts")), 303
    return _secret_page("console/alert_source_hmac.html", source=made.source,
                        secret=made.secret)


@bp.post("/alerts/sources/<public_id>/hmac/off")
@require_role("admin")
def alert_source_hmac_off(public_id: str) -> ResponseReturnValue:
    source = _source_or_404(public_id)
    sources.clear_hmac(source, current_user)
    flash(f"“{source.name}” no longer needs a signature; its token alone is checked.",
          "success")
    return redirect(url_for("console.alerts")), 303


@bp.post("/alerts/mappings")
@require_role("admin")
def alert_mapping_create() -> ResponseReturnValue:
    form = MappingForm()
    form.set_choices(composer.leaf_components(), sources.list_sources())
    if not form.validate():
        return _page(mapping_form=form, status=INVALID)
    try:
        made = mappings.create_mapping(MappingInput(
            label=form.label.data or "", component_id=form.component_id.data,
            severity=form.severity.data or "", component_status=form.component_status.data or "",
            automatic=bool(form.automatic.data), source_id=form.source_id.data), current_user)
    except DomainError as error:
        form.add_error(error)
        return _page(mapping_form=form, status=INVALID)
    flash(f"Alerts labelled {made.label_name}={made.label_value} now concern "
          f"{made.component.display_name}.", "success")
    return redirect(url_for("console.alerts") + "#mappings"), 303


@bp.post("/alerts/mappings/<public_id>/delete")
@require_role("admin")
def alert_mapping_delete(public_id: str) -> ResponseReturnValue:
    try:
        mapping = mappings.get_mapping(public_id)
    except NotFound:
        abort(404)
    mappings.delete_mapping(mapping, current_user)
    flash("The mapping is removed.", "success")
    return redirect(url_for("console.alerts") + "#mappings"), 303
