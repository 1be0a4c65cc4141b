"""Page settings (admin only): name, address, zone, branding, subscription channels."""

from __future__ import annotations

from dataclasses import asdict

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from statuspage import settings as use_cases
from statuspage.console import bp
from statuspage.console.access import require_role
from statuspage.console.forms_settings import PageSettingsForm
from statuspage.errors import DomainError
from statuspage.pages import get_page

INVALID = 422


@bp.route("/settings", methods=["GET", "POST"])
@require_role("admin")
def settings() -> ResponseReturnValue:
    if request.method == "GET":
        form = PageSettingsForm(formdata=None,
                                data=asdict(use_cases.settings_input(get_page())))
        return render_template("console/settings.html", form=form)
    form = PageSettingsForm()
    if not form.validate():
        return render_template("console/settings.html", form=form), INVALID
    try:
        use_cases.update_page_settings(form.to_input(), current_user)
    except DomainError as error:
        form.add_error(error)
        return render_template("console/settings.html", form=form), INVALID
    flash("Page settings saved.", "success")
    return redirect(url_for("console.settings")), 303
