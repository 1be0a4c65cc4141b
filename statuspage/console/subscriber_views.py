"""Console views for subscribers: list and search, add, remove, resend, CSV export and import.

Viewers read; communicators change; adding people whose consent was obtained elsewhere
("pre-confirmed") is for admins only, which the use-cases enforce.
"""

from __future__ import annotations

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from statuspage.console import bp
from statuspage.console.access import require_role
from statuspage.console.auth_views import display_zone
from statuspage.console.composer import leaf_components
from statuspage.console.forms_subscribers import ImportForm, SubscriberForm
from statuspage.core.errors import DomainError, NotFound
from statuspage.core.extensions import db
from statuspage.core.numbers import page_number
from statuspage.models import CHANNELS, Subscriber, utcnow
from statuspage.subscriptions import admin as use_cases
from statuspage.subscriptions import csv_export
from statuspage.subscriptions import csv_rows as subscriber_csv
from statuspage.subscriptions import imports as subscriber_import
from statuspage.subscriptions import queries as subscriber_queries
from statuspage.web.input_guard import accepts_upload

INVALID = 422
PER_PAGE = 50
SCOPE_LABELS = {"page": "Whole page", "incident": "Following an incident"}


def _filters() -> subscriber_queries.SubscriberFilter:
    return subscriber_queries.SubscriberFilter(
        search=request.args.get("q", "")[:200],
        channel=request.args.get("channel", ""),
        state=request.args.get("state", ""),
        scope=request.args.get("scope", ""),
        incident=request.args.get("incident", "")[:12],
    )


def _filter_args(filters: subscriber_queries.SubscriberFilter) -> dict[str, str]:
    """The filters as query arguments for links (pager, export), empty ones left out."""
    args = {"q": filters.search, "channel": filters.channel, "state": filters.state,
            "scope": filters.scope, "incident": filters.incident}
    return {key: value for key, value in args.items() if value}


def _subscriber_or_404(public_id: str) -> Subscriber:
    try:
        return subscriber_queries.get_subscriber(public_id)
    except NotFound:
        abort(404)


@bp.get("/subscribers", endpoint="subscribers")
@require_role("viewer")
def subscriber_list() -> ResponseReturnValue:
    filters = _filters()
    page = db.paginate(subscriber_queries.subscriber_query(filters),
                       page=page_number(), per_page=PER_PAGE,
                       max_per_page=PER_PAGE, error_out=False)
    return render_template(
        "console/subscribers.html", page=page, filters=filters, args=_filter_args(filters),
        channels=CHANNELS, states=subscriber_queries.STATES, scopes=SCOPE_LABELS,
        followed=subscriber_queries.filtered_incident(filters), zone=display_zone(),
        can_edit=current_user.can_edit,
    )


def _form_page(form: SubscriberForm, status: int = 200) -> ResponseReturnValue:
    return render_template("console/subscriber_form.html", form=form,
                           components=leaf_components(),
                           can_preconfirm=current_user.is_admin), status


@bp.route("/subscribers/new", methods=["GET", "POST"])
@require_role("communicator")
def subscriber_new() -> ResponseReturnValue:
    form = SubscriberForm()
    if request.method == "GET":
        return _form_page(form)
    if not form.validate():
        return _form_page(form, INVALID)
    try:
        subscriber = use_cases.add_subscriber(form.to_input(), current_user)
    except DomainError as error:
        form.add_error(error)
        return _form_page(form, INVALID)
    if subscriber.state == "active":
        flash(_("%(address)s is subscribed.", address=subscriber.address), "success")
    else:
        flash(_("A confirmation is on its way to %(address)s; they are subscribed once they "
                "confirm.", address=subscriber.address), "success")
    return redirect(url_for("console.subscriber_detail", public_id=subscriber.public_id)), 303


@bp.get("/subscribers/<public_id>")
@require_role("viewer")
def subscriber_detail(public_id: str) -> ResponseReturnValue:
    return render_template("console/subscriber_detail.html",
                           subscriber=_subscriber_or_404(public_id), zone=display_zone(),
                           can_edit=current_user.can_edit,
                           can_manage_privacy=current_user.is_admin)


@bp.route("/subscribers/<public_id>/remove", methods=["GET", "POST"])
@require_role("communicator")
def subscriber_remove(public_id: str) -> ResponseReturnValue:
    """GET asks for confirmation; only the confirming POST removes."""
    subscriber = _subscriber_or_404(public_id)
    if request.method == "GET":
        return render_template("console/subscriber_remove.html", subscriber=subscriber)
    address = subscriber.address
    use_cases.remove_subscriber(subscriber, current_user)
    flash(_("%(address)s removed.", address=address), "success")
    return redirect(url_for("console.subscribers")), 303


@bp.post("/subscribers/<public_id>/resend")
@require_role("communicator")
def subscriber_resend(public_id: str) -> ResponseReturnValue:
    subscriber = _subscriber_or_404(public_id)
    try:
        use_cases.resend_confirmation(subscriber, current_user)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("The confirmation was sent to %(address)s again.", address=subscriber.address),
              "success")
    return redirect(url_for("console.subscriber_detail", public_id=public_id)), 303


@bp.get("/subscribers/export.csv")
@require_role("communicator")
def subscribers_export() -> ResponseReturnValue:
    """Every matching subscriber with the consent record, streamed (personal data: no cache)."""
    filename = f"subscribers-{utcnow():%Y%m%d-%H%M%S}.csv"
    response = Response(stream_with_context(csv_export.export_csv(_filters())),
                        mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _import_page(form: ImportForm, status: int = 200) -> ResponseReturnValue:
    return render_template("console/subscriber_import.html", form=form,
                           can_preconfirm=current_user.is_admin,
                           imports=subscriber_import.recent_imports(),
                           zone=display_zone()), status


@bp.route("/subscribers/import", methods=["GET", "POST"])
@require_role("communicator")
@accepts_upload(subscriber_import.MAX_IMPORT_BYTES + 1024 * 1024)  # the file plus its form
def subscribers_import() -> ResponseReturnValue:
    """The upload: the file is stored and the worker imports it; its page shows how far."""
    form = ImportForm()
    if request.method == "GET":
        return _import_page(form)
    upload = form.file.data
    if not form.validate() or upload is None or not upload.filename:
        form.add_error(DomainError("Choose a CSV file to import.", "file"))
        return _import_page(form, INVALID)
    # One byte over the limit is enough for the use-case to refuse the file as too large.
    content = upload.stream.read(subscriber_import.MAX_IMPORT_BYTES + 1)
    options = subscriber_csv.ImportOptions(pre_confirmed=bool(form.pre_confirmed.data),
                                           consent_note=form.consent_note.data or "",
                                           filename=upload.filename[:200])
    try:
        job = subscriber_import.start_import(content, options, current_user)
    except DomainError as error:
        form.add_error(error)
        return _import_page(form, INVALID)
    return redirect(url_for("console.subscriber_import_status", public_id=job.public_id)), 303


@bp.get("/subscribers/imports/<public_id>")
@require_role("communicator")
def subscriber_import_status(public_id: str) -> ResponseReturnValue:
    """Progress while the worker imports (the page reloads itself), then the report."""
    try:
        job = subscriber_import.get_import(public_id)
    except NotFound:
        abort(404)
    return render_template("console/subscriber_import_status.html", job=job,
                           report=subscriber_import.report_of(job), zone=display_zone())
