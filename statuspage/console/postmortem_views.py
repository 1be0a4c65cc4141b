"""Console views for the post-incident review: the postmortem editor, publishing it, and the
incident's follow-up action items."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import select
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs lack it
from wtforms.validators import Optional

from statuspage.console import bp, composer, outcomes, postmortem_review_views
from statuspage.console.access import require_role
from statuspage.console.compose import Composition, compose
from statuspage.console.forms import ConsoleForm
from statuspage.core.errors import DomainError, NotFound
from statuspage.core.extensions import db
from statuspage.core.numbers import whole_number
from statuspage.core.rendering import markdown_html
from statuspage.incidents import postmortems
from statuspage.incidents.metrics import human_duration, incident_metrics
from statuspage.incidents.postmortem_scaffold import scaffold, unfilled_sections
from statuspage.models import INCIDENT, Incident, User
from statuspage.page import queries

INVALID = 422
# The editor's preview sits under an h3 ("Preview", in the h2 "Draft"): its headings start at h4.
PREVIEW_HEADINGS = 4


class PostmortemForm(ConsoleForm):
    body = TextAreaField("Postmortem (markdown)")


class PublishForm(ConsoleForm):
    notify = BooleanField("Notify subscribers", default=True)


class ActionItemForm(ConsoleForm):
    title = StringField("Action item")
    owner_id = SelectField("Owner (console user)", validate_choice=False)
    owner = StringField("or owner (team or person)")
    due_date = DateField("Due date", validators=[Optional()])
    public = BooleanField("Show on the public incident page (title and state, not the owner)")


def duration_tag(value: timedelta | None) -> Markup:
    """`<time datetime="PT754.2S">12 min</time>`: the duration as read, and exactly (seconds,
    to the tenth) for a machine or a reader who hovers; an en dash for none."""
    if value is None:
        return Markup(escape(human_duration(None)))
    seconds = max(value.total_seconds(), 0.0)
    return Markup('<time datetime="PT{:.1f}S" title="{:.1f} s">{}</time>').format(
        seconds, seconds, human_duration(value))


def _incident_or_404(public_id: str) -> Incident:
    incident = queries.incident_with_timeline(public_id)
    if incident is None or incident.kind != INCIDENT:
        abort(404)
    return incident


def _users() -> list[User]:
    return list(db.session.execute(select(User).order_by(User.email)).scalars())


def _page(incident: Incident, status: int = 200, form: PostmortemForm | None = None,
          item_form: ActionItemForm | None = None, **extra: Any) -> ResponseReturnValue:
    items = postmortems.action_items(incident)
    if form is None:
        # Until a draft is saved, the editor starts from the after-incident analysis scaffold.
        waiting = (postmortems.pending_review(incident)
                   if incident.postmortem_published_at is not None else None)
        # A change to the published text that waits for approval is what its author edits.
        body = ((waiting.body if waiting is not None else None) or incident.postmortem_body
                or scaffold(incident, items, ZoneInfo(composer.page_zone())))
        form = PostmortemForm(formdata=None, body=body)
    if item_form is None:
        item_form = ActionItemForm(formdata=None, prefix="item")
    item_form.owner_id.choices = [SelectChoice("", "Nobody chosen")] + [
        SelectChoice(str(u.id), u.name or u.email) for u in _users()
    ]
    return render_template(
        "console/postmortem.html",
        incident=incident,
        form=form,
        publish_form=PublishForm(formdata=None, prefix="publish"),
        item_form=item_form,
        items=items,
        metrics=incident_metrics(incident),
        duration=duration_tag,
        zone=composer.page_zone(),
        can_edit=current_user.can_edit,
        unfilled=unfilled_sections(form.body.data),
        publish_state=postmortem_review_views.publish_state(incident),
        **extra,
    ), status


@bp.get("/incidents/<public_id>/postmortem")
@require_role("viewer")
def postmortem(public_id: str) -> ResponseReturnValue:
    return _page(_incident_or_404(public_id))


def _save(incident: Incident, form: PostmortemForm) -> bool:
    """Save the draft; whether the change now waits for approval (the published text stays)."""
    waits = postmortems.revisions_wait(incident)
    postmortems.save_draft(incident, form.body.data or "", current_user)
    return waits and postmortems.pending_review(incident) is not None


@bp.post("/incidents/<public_id>/postmortem")
@require_role("communicator")
def postmortem_save(public_id: str) -> ResponseReturnValue:
    incident = _incident_or_404(public_id)
    form = PostmortemForm()
    return compose(Composition(
        form=form,
        render=lambda status=200, **extra: _page(incident, status, form, **extra),
        preview=lambda: {"preview_html": markdown_html(form.body.data, PREVIEW_HEADINGS)},
        run=lambda: _save(incident, form),
        outcome=outcomes.postmortem_saved,
        target=lambda _waits: url_for("console.postmortem", public_id=public_id),
    ))


@bp.post("/incidents/<public_id>/postmortem/publish")
@require_role("communicator")
def postmortem_publish(public_id: str) -> ResponseReturnValue:
    incident = _incident_or_404(public_id)
    form = PublishForm(prefix="publish")
    try:
        postmortems.publish(incident, bool(form.notify.data), current_user)
    except DomainError as error:
        flash(error.message, "error")
        return _page(incident, INVALID)
    flash(_("Postmortem published.") if incident.postmortem_published_at is not None
          else _("Postmortem submitted for approval; it is published once approved."),
          "success")
    return redirect(url_for("console.postmortem", public_id=public_id)), 303


@bp.post("/incidents/<public_id>/postmortem/unpublish")
@require_role("communicator")
def postmortem_unpublish(public_id: str) -> ResponseReturnValue:
    incident = _incident_or_404(public_id)
    try:
        postmortems.unpublish(incident, current_user)
    except DomainError as error:
        flash(error.message, "error")
        return _page(incident, INVALID)
    flash(_("Postmortem taken back to a draft."), "success")
    return redirect(url_for("console.postmortem", public_id=public_id)), 303


@bp.post("/incidents/<public_id>/actions")
@require_role("communicator")
def action_item_add(public_id: str) -> ResponseReturnValue:
    incident = _incident_or_404(public_id)
    form = ActionItemForm(prefix="item")
    if not form.validate():
        return _page(incident, INVALID, item_form=form)
    raw_owner = form.owner_id.data or ""
    # Anything but a number names no user (-1): the use-case refuses it next to the field.
    owner = whole_number(raw_owner)
    owner_id = (owner if owner is not None else -1) if raw_owner else None
    try:
        postmortems.add_action_item(
            incident, form.title.data or "", form.owner.data or "", form.due_date.data,
            current_user, owner_id=owner_id, public=bool(form.public.data),
        )
    except DomainError as error:
        form.add_error(error)
        return _page(incident, INVALID, item_form=form)
    flash(_("Action item added."), "success")
    return redirect(url_for("console.postmortem", public_id=public_id)), 303


@bp.post("/incidents/<public_id>/actions/<int:item_id>/done")
@require_role("communicator")
def action_item_done(public_id: str, item_id: int) -> ResponseReturnValue:
    incident = _incident_or_404(public_id)
    done = request.form.get("done", "1") != "0"
    try:
        postmortems.set_action_item_done(incident, item_id, done, current_user)
    except NotFound:
        abort(404)
    return redirect(url_for("console.postmortem", public_id=public_id)), 303


@bp.post("/incidents/<public_id>/actions/<int:item_id>/public")
@require_role("communicator")
def action_item_public(public_id: str, item_id: int) -> ResponseReturnValue:
    incident = _incident_or_404(public_id)
    public = request.form.get("public", "1") != "0"
    try:
        postmortems.set_action_item_public(incident, item_id, public, current_user)
    except NotFound:
        abort(404)
    flash(_("Action item shown on the public incident page once the postmortem is published.")
          if public else _("Action item no longer shown publicly."), "success")
    return redirect(url_for("console.postmortem", public_id=public_id)), 303


@bp.post("/postmortem-preview")
@require_role("communicator")
def postmortem_preview() -> ResponseReturnValue:
    """The posted postmortem as sanitised HTML, its headings under the preview's h3."""
    body = request.form.get("body", "")
    if len(body) > postmortems.MAX_BODY:
        return Response(f"The postmortem is longer than {postmortems.MAX_BODY} characters.",
                        INVALID, mimetype="text/plain")
    response = Response(str(markdown_html(body, PREVIEW_HEADINGS)), mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"  # private, and new with every keystroke
    return response


@bp.post("/incidents/<public_id>/actions/<int:item_id>/delete")
@require_role("communicator")
def action_item_delete(public_id: str, item_id: int) -> ResponseReturnValue:
    incident = _incident_or_404(public_id)
    try:
        postmortems.delete_action_item(incident, item_id, current_user)
    except NotFound:
        abort(404)
    flash(_("Action item deleted."), "success")
    return redirect(url_for("console.postmortem", public_id=public_id)), 303
