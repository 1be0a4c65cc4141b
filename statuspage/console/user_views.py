"""Console users (admin only) and each user's own account: password and two-factor."""

from __future__ import annotations

from flask import current_app, flash, make_response, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlalchemy import select

from statuspage.accounts import twofactor
from statuspage.accounts import users as accounts
from statuspage.console import bp
from statuspage.console.access import require_role
from statuspage.console.auth_views import display_zone
from statuspage.console.forms_auth import (
    PasswordChangeForm,
    PhoneForm,
    TotpConfirmForm,
    TotpDisableForm,
    UserCreateForm,
    UserRoleForm,
)
from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.models import User
from statuspage.web.login import password_check_limited

# The TOTP secret between "enable" and the confirming code; it is not active until then.
ENROLMENT_KEY = "totp_enrolment"


def _secret_page(body: str) -> ResponseReturnValue:
    """A page showing a secret once: keep it out of browser and proxy caches."""
    response = make_response(body)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/users")
@require_role("admin")
def users() -> ResponseReturnValue:
    rows = db.session.execute(
        select(User).order_by(User.is_active_user.desc(), User.email)
    ).scalars().all()
    return render_template("console/users.html", users=rows, zone=display_zone())


@bp.route("/users/new", methods=["GET", "POST"])
@require_role("admin")
def user_new() -> ResponseReturnValue:
    form = UserCreateForm()
    if form.validate_on_submit():
        try:
            user, password = accounts.create_user(
                form.email.data or "", form.name.data or "", form.role.data, None, current_user
            )
        except DomainError as exc:
            form.add_error(exc)
        else:
            return _secret_page(render_template("console/user_form.html", user=user,
                                                password=password, form=None, zone=None))
    return render_template("console/user_form.html", form=form, user=None, password=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@require_role("admin")
def user_edit(user_id: int) -> ResponseReturnValue:
    user = db.get_or_404(User, user_id)
    form = UserRoleForm(role=user.role)
    phone_form = PhoneForm(formdata=None, phone=user.phone or "")
    if form.validate_on_submit():
        try:
            accounts.change_role(user, form.role.data, current_user)
        except DomainError as exc:
            db.session.rollback()
            form.add_error(exc)
        else:
            flash(_("%(email)s is now %(role)s.", email=user.email, role=user.role), "success")
            return redirect(url_for("console.user_edit", user_id=user.id))
    return render_template("console/user_form.html", form=form, user=user, password=None,
                           zone=display_zone(), phone_form=phone_form)


@bp.route("/users/<int:user_id>/phone", methods=["POST"])
@require_role("admin")
def user_phone(user_id: int) -> ResponseReturnValue:
    user = db.get_or_404(User, user_id)
    phone_form = PhoneForm()
    if phone_form.validate_on_submit():
        try:
            accounts.change_phone(user, phone_form.phone.data or "", current_user)
        except DomainError as exc:
            db.session.rollback()
            phone_form.add_error(exc)
        else:
            flash(_("The mobile phone of %(email)s is saved.", email=user.email), "success")
            return redirect(url_for("console.user_edit", user_id=user.id))
    return render_template("console/user_form.html", form=UserRoleForm(formdata=None,
                           role=user.role), user=user, password=None, zone=display_zone(),
                           phone_form=phone_form), 422


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@require_role("admin")
def user_deactivate(user_id: int) -> ResponseReturnValue:
    user = db.get_or_404(User, user_id)
    try:
        accounts.deactivate(user, current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        flash(_("%(email)s is deactivated and logged out everywhere.", email=user.email), "success")
    return redirect(url_for("console.user_edit", user_id=user_id))


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@require_role("admin")
def user_reactivate(user_id: int) -> ResponseReturnValue:
    user = db.get_or_404(User, user_id)
    accounts.reactivate(user, current_user)
    flash(_("%(email)s can log in again.", email=user.email), "success")
    return redirect(url_for("console.user_edit", user_id=user_id))


def _account_page(**forms: object) -> str:
    context = {
        "password_form": PasswordChangeForm(formdata=None),
        "disable_form": TotpDisableForm(formdata=None),
        "phone_form": PhoneForm(formdata=None, phone=current_user.phone or ""),
        "recovery_left": twofactor.unused_recovery_codes(current_user),
    }
    context.update(forms)
    return render_template("console/account.html", **context)


@bp.route("/account")
@require_role("viewer")
def account() -> ResponseReturnValue:
    return _account_page()


@bp.route("/account/password", methods=["POST"])
@require_role("viewer")
@password_check_limited
def account_password() -> ResponseReturnValue:
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data or "",
                                     form.new_password.data or "")
        except DomainError as exc:
            form.add_error(exc)
        else:
            # The token changed, which ended every session; keep this one by logging in again.
            user = current_user._get_current_object()
            session.clear()
            login_user(user)
            flash(_("Your password is changed. Other sessions have been logged out."), "success")
            return redirect(url_for("console.account"))
    return _account_page(password_form=form)


@bp.route("/account/phone", methods=["POST"])
@require_role("viewer")
def account_phone() -> ResponseReturnValue:
    form = PhoneForm()
    if form.validate_on_submit():
        try:
            accounts.change_phone(current_user, form.phone.data or "", current_user)
        except DomainError as exc:
            db.session.rollback()
            form.add_error(exc)
        else:
            flash(_("Your mobile phone is saved."), "success")
            return redirect(url_for("console.account"))
    return _account_page(phone_form=form), 422


@bp.route("/account/totp/begin", methods=["POST"])
@require_role("viewer")
def account_totp_begin() -> ResponseReturnValue:
    try:
        enrolment = twofactor.begin_enrolment(current_user, current_app.config["PAGE_NAME"])
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("console.account"))
    session[ENROLMENT_KEY] = enrolment.secret
    return redirect(url_for("console.account_totp"))


@bp.route("/account/totp", methods=["GET", "POST"])
@require_role("viewer")
def account_totp() -> ResponseReturnValue:
    secret = session.get(ENROLMENT_KEY)
    if not secret or current_user.totp_secret:
        return redirect(url_for("console.account"))
    form = TotpConfirmForm()
    if form.validate_on_submit():
        try:
            codes = twofactor.confirm_enrolment(current_user, secret, form.code.data or "")
        except DomainError as exc:
            form.add_error(exc)
        else:
            session.pop(ENROLMENT_KEY, None)
            return _secret_page(render_template("console/recovery_codes.html", codes=codes))
    uri = twofactor.provisioning_uri(current_user, secret, current_app.config["PAGE_NAME"])
    return _secret_page(render_template("console/totp_setup.html", form=form, secret=secret,
                                        uri=uri))


@bp.route("/account/totp/disable", methods=["POST"])
@require_role("viewer")
@password_check_limited
def account_totp_disable() -> ResponseReturnValue:
    form = TotpDisableForm()
    if form.validate_on_submit():
        try:
            twofactor.disable(current_user, form.password.data or "")
        except DomainError as exc:
            form.add_error(exc)
        else:
            flash(_("Two-factor authentication is off."), "success")
            return redirect(url_for("console.account"))
    return _account_page(disable_form=form)
