"""API tokens in the console (admin only): list, create (the token is shown once), revoke."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs lack it
from wtforms.validators import Length

from statuspage.accounts import api_tokens
from statuspage.console import bp
from statuspage.console.access import require_role
from statuspage.console.auth_views import display_zone
from statuspage.console.forms import ConsoleForm
from statuspage.core.errors import DomainError, NotFound

INVALID = 422
SCOPE_CHOICES = [
    SelectChoice("read", "Read: GET requests only"),
    SelectChoice("write", "Write: create and update incidents, maintenance and components"),
]


class TokenForm(ConsoleForm):
    # Lengths and choices are checked by the use-case, whose message is the one shown.
    name = StringField("Name", validators=[Length(max=1000)])
    scope = SelectField("Scope", choices=SCOPE_CHOICES, default="read", validate_choice=False)


def _list(form: TokenForm, status: int = 200) -> ResponseReturnValue:
    return render_template("console/tokens.html", tokens=api_tokens.list_tokens(), form=form,
                           zone=display_zone()), status


@bp.get("/tokens")
@require_role("admin")
def tokens() -> ResponseReturnValue:
    return _list(TokenForm(formdata=None))


@bp.post("/tokens")
@require_role("admin")
def token_create() -> ResponseReturnValue:
    form = TokenForm()
    if not form.validate():
        return _list(form, INVALID)
    try:
        created = api_tokens.create_token(form.name.data or "", form.scope.data or "",
                                          current_user)
    except DomainError as error:
        form.add_error(error)
        return _list(form, INVALID)
    # The clear token exists only in this response: keep it out of browser and proxy caches.
    response = make_response(render_template("console/tokens_created.html",
                                              token=created.token, secret=created.secret))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/tokens/<public_id>/revoke")
@require_role("admin")
def token_revoke(public_id: str) -> ResponseReturnValue:
    try:
        token = api_tokens.get_token(public_id)
    except NotFound:
        abort(404)
    try:
        api_tokens.revoke_token(token, current_user)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("Token “%(name)s” is revoked; requests using it are refused from now on.",
                name=token.name), "success")
    return redirect(url_for("console.tokens")), 303
