"""Console views for a stakeholder group's chat destinations (its Slack, Teams, Discord or
Google Chat channels).

As for members: viewers read, communicators add, change and remove. A webhook URL is a
credential: it is never shown again once saved (the pages show its masked form), and a form
refused for a mistake does not echo the URL typed back into the page either.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from statuspage.console import bp
from statuspage.console.access import require_role
from statuspage.console.auth_views import display_zone
from statuspage.console.stakeholder_views import detail_page, group_or_404, member_fields
from statuspage.core.errors import DomainError, NotFound
from statuspage.models import StakeholderGroup, StakeholderMember
from statuspage.plan import stakeholder_chat as use_cases

INVALID = 422
FORM = "chat"


def _input() -> use_cases.ChatInput:
    form = request.form
    return use_cases.ChatInput(name=form.get("name", ""), url=form.get("url", ""),
                               provider=form.get("provider", ""),
                               language=form.get("language", ""),
                               channel=form.get("channel", ""))


def _without_url() -> MultiDict[str, str]:
    """The form as typed, less the URL: a refused form is shown again without it."""
    return MultiDict([(key, value) for key, value in request.form.items(multi=True)
                      if key != "url"])


def _destination_or_404(group: StakeholderGroup, member_id: str) -> StakeholderMember:
    try:
        return use_cases.get_chat_destination(group, member_id)
    except NotFound:
        abort(404)


@bp.post("/stakeholders/<public_id>/chat")
@require_role("communicator")
def stakeholder_chat_add(public_id: str) -> ResponseReturnValue:
    group = group_or_404(public_id)
    try:
        member = use_cases.add_chat_destination(group, _input(), current_user)
    except DomainError as error:
        return detail_page(group_or_404(public_id), error, status=INVALID,
                           values=_without_url())
    flash(_("Chat destination %(name)s added.", name=member.name), "success")
    return redirect(url_for("console.stakeholder_detail", public_id=public_id,
                            _anchor="chat-destinations")), 303


def _edit_page(group: StakeholderGroup, member: StakeholderMember,
               error: DomainError | None = None, status: int = 200) -> ResponseReturnValue:
    shown = next(d for d in use_cases.chat_destinations(group)
                 if d.member_id == member.public_id)
    values = _without_url() if request.method == "POST" else MultiDict(
        {"form": FORM, "name": member.name, "language": member.language})
    return render_template("console/stakeholder_chat_edit.html", group=group,
                           destination=shown, error=error, values=values, zone=display_zone(),
                           **member_fields()), status


@bp.route("/stakeholders/<public_id>/chat/<member_id>/edit", methods=["GET", "POST"])
@require_role("communicator")
def stakeholder_chat_edit(public_id: str, member_id: str) -> ResponseReturnValue:
    """Rename a chat destination, or give it a new webhook URL (one that is gone)."""
    group = group_or_404(public_id)
    member = _destination_or_404(group, member_id)
    if request.method == "GET":
        return _edit_page(group, member)
    try:
        use_cases.update_chat_destination(group, member_id, _input(), current_user)
    except DomainError as error:
        group = group_or_404(public_id)
        return _edit_page(group, _destination_or_404(group, member_id), error, INVALID)
    flash(_("%(name)s saved.", name=" ".join(request.form.get("name", "").split())
            or _("Chat destination")), "success")
    return redirect(url_for("console.stakeholder_detail", public_id=public_id,
                            _anchor="chat-destinations")), 303


@bp.post("/stakeholders/<public_id>/chat/<member_id>/remove")
@require_role("communicator")
def stakeholder_chat_remove(public_id: str, member_id: str) -> ResponseReturnValue:
    group = group_or_404(public_id)
    try:
        use_cases.remove_chat_destination(group, member_id, current_user)
    except NotFound:
        abort(404)
    flash(_("Chat destination removed."), "success")
    return redirect(url_for("console.stakeholder_detail", public_id=public_id,
                            _anchor="chat-destinations")), 303
