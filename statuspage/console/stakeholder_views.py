"""Console views for stakeholder groups and their members.

Viewers read; communicators create, rename and delete groups and manage members (who need no
opt-in: they are colleagues and customers' contacts staff are asked to keep informed).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from statuspage.console import bp
from statuspage.console.access import require_role
from statuspage.console.auth_views import display_zone
from statuspage.core.errors import DomainError, NotFound
from statuspage.core.i18n import LANGUAGE_NAMES
from statuspage.models import StakeholderGroup, StakeholderMember
from statuspage.notify.addresses import country_names, default_region
from statuspage.notify.chat import PROVIDER_NAMES
from statuspage.page.record import get_page
from statuspage.plan import stakeholder_chat as chat_use_cases
from statuspage.plan import stakeholder_chat_bot as chat_bot
from statuspage.plan import stakeholder_members as member_use_cases
from statuspage.plan import stakeholders as use_cases

INVALID = 422
# A member list is small; a larger upload is the wrong file.
MAX_IMPORT_BYTES = 2 * 1024 * 1024


def group_or_404(public_id: str) -> StakeholderGroup:
    try:
        return use_cases.get_group(public_id)
    except NotFound:
        abort(404)


def _list_page(error: DomainError | None = None, status: int = 200) -> ResponseReturnValue:
    return render_template("console/stakeholders.html", groups=use_cases.groups_with_counts(),
                           can_edit=current_user.can_edit, error=error,
                           values=request.form), status


def member_fields() -> dict[str, Any]:
    """What the member and chat forms offer: the page's languages, its phone country and
    the chat providers ("" first: the one the URL's host belongs to; "Slack channel (bot)"
    last, when SLACK_BOT_TOKEN is set)."""
    bot = chat_bot.bot_available()
    bot_choice = [(chat_bot.SLACK_BOT, _(chat_bot.SLACK_BOT_NAME))] if bot else []
    return {"languages": list(LANGUAGE_NAMES.items()),
            "phone_country": country_names([default_region(get_page())]),
            "providers": [("", _("Recognise from the URL")), *PROVIDER_NAMES.items(),
                          *bot_choice],
            "slack_bot": bot}


def detail_page(group: StakeholderGroup, error: DomainError | None = None,
                report: member_use_cases.ImportReport | None = None,
                status: int = 200, values: Mapping[str, str] | None = None
                ) -> ResponseReturnValue:
    """The group's page: its people, its chat destinations (URLs masked) and the forms, with
    `values` (default: the request's form) typed back into the form that was refused."""
    people = [m for m in group.members if not chat_use_cases.is_chat(m)]
    return render_template("console/stakeholder_detail.html", group=group, people=people,
                           chats=chat_use_cases.chat_destinations(group), zone=display_zone(),
                           can_edit=current_user.can_edit, error=error, report=report,
                           values=request.form if values is None else values,
                           **member_fields()), status


@bp.get("/stakeholders", endpoint="stakeholders")
@require_role("viewer")
def stakeholder_list() -> ResponseReturnValue:
    return _list_page()


@bp.post("/stakeholders")
@require_role("communicator")
def stakeholder_create() -> ResponseReturnValue:
    try:
        group = use_cases.create_group(request.form.get("name", ""),
                                       request.form.get("description", ""), current_user)
    except DomainError as error:
        return _list_page(error, INVALID)
    flash(_("Group %(name)s created.", name=group.name), "success")
    return redirect(url_for("console.stakeholder_detail", public_id=group.public_id)), 303


@bp.get("/stakeholders/<public_id>")
@require_role("viewer")
def stakeholder_detail(public_id: str) -> ResponseReturnValue:
    return detail_page(group_or_404(public_id))


@bp.post("/stakeholders/<public_id>/rename")
@require_role("communicator")
def stakeholder_rename(public_id: str) -> ResponseReturnValue:
    group = group_or_404(public_id)
    try:
        use_cases.rename_group(group, request.form.get("name", ""),
                               request.form.get("description", ""), current_user)
    except DomainError as error:
        return detail_page(group_or_404(public_id), error, status=INVALID)
    flash(_("Group saved."), "success")
    return redirect(url_for("console.stakeholder_detail", public_id=public_id)), 303


@bp.post("/stakeholders/<public_id>/delete")
@require_role("communicator")
def stakeholder_delete(public_id: str) -> ResponseReturnValue:
    group = group_or_404(public_id)
    name = group.name
    use_cases.delete_group(group, current_user)
    flash(_("Group %(name)s deleted, with its members and its rules in the plan.", name=name),
          "success")
    return redirect(url_for("console.stakeholders")), 303


@bp.post("/stakeholders/<public_id>/members")
@require_role("communicator")
def stakeholder_member_add(public_id: str) -> ResponseReturnValue:
    group = group_or_404(public_id)
    data = member_use_cases.MemberInput(**{key: request.form.get(key, "")
                                           for key in member_use_cases.IMPORT_COLUMNS})
    try:
        member = member_use_cases.add_member(group, data, current_user)
    except DomainError as error:
        return detail_page(group_or_404(public_id), error, status=INVALID)
    flash(_("%(name)s added.", name=member.name), "success")
    return redirect(url_for("console.stakeholder_detail", public_id=public_id)), 303


@bp.route("/stakeholders/<public_id>/members/<member_id>/edit", methods=["GET", "POST"])
@require_role("communicator")
def stakeholder_member_edit(public_id: str, member_id: str) -> ResponseReturnValue:
    """Change a member's name, email, phone or language (their messages follow at once)."""
    group = group_or_404(public_id)
    try:
        member = member_use_cases.get_member(group, member_id)
    except NotFound:
        abort(404)
    if chat_use_cases.is_chat(member):
        return redirect(url_for("console.stakeholder_chat_edit", public_id=public_id,
                                member_id=member_id)), 303
    if request.method == "GET":
        return _member_page(group, member)
    data = member_use_cases.MemberInput(**{key: request.form.get(key, "")
                                           for key in member_use_cases.IMPORT_COLUMNS})
    try:
        member_use_cases.update_member(group, member_id, data, current_user)
    except DomainError as error:
        group = group_or_404(public_id)
        return _member_page(group, member_use_cases.get_member(group, member_id), error, INVALID)
    flash(_("%(v1)s saved.", v1=data.name.strip() or 'Member'), "success")
    return redirect(url_for("console.stakeholder_detail", public_id=public_id)), 303


def _member_page(group: StakeholderGroup, member: StakeholderMember,
                 error: DomainError | None = None, status: int = 200) -> ResponseReturnValue:
    return render_template("console/stakeholder_member_edit.html", group=group, member=member,
                           error=error, values=request.form, **member_fields()), status


@bp.post("/stakeholders/<public_id>/members/<member_id>/remove")
@require_role("communicator")
def stakeholder_member_remove(public_id: str, member_id: str) -> ResponseReturnValue:
    group = group_or_404(public_id)
    try:
        member_use_cases.remove_member(group, member_id, current_user)
    except NotFound:
        abort(404)
    flash(_("Member removed."), "success")
    return redirect(url_for("console.stakeholder_detail", public_id=public_id)), 303


@bp.post("/stakeholders/<public_id>/import")
@require_role("communicator")
def stakeholder_import(public_id: str) -> ResponseReturnValue:
    group = group_or_404(public_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return detail_page(group, DomainError("Choose a CSV file to import.", "file"),
                            status=INVALID)
    data = upload.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        return detail_page(group, DomainError("The file is larger than 2 MB.", "file"),
                            status=INVALID)
    # utf-8-sig: spreadsheets often start a CSV file with a byte-order mark.
    text = io.StringIO(data.decode("utf-8-sig", errors="replace"), newline="")
    try:
        report = member_use_cases.import_members(group, text, current_user)
    except DomainError as error:
        return detail_page(group, error, status=INVALID)
    return detail_page(group_or_404(public_id), report=report)
