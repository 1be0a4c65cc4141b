"""Page settings (admin only): name, address, zone, branding, subscription channels, embeds."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from statuspage.console import bp
from statuspage.console.access import require_role
from statuspage.console.forms_settings import LogoForm, PageSettingsForm
from statuspage.core.errors import DomainError
from statuspage.page import logos
from statuspage.page import settings as use_cases
from statuspage.page.record import get_page

INVALID = 422


@dataclass(frozen=True)
class Snippet:
    title: str
    hint: str
    code: str


def embed_snippets(page_url: str) -> list[Snippet]:
    """The copy-and-paste code for the badge, the script pill and the iframe."""
    base = page_url.rstrip("/")
    return [
        Snippet("Status badge (SVG)", "For a README, a wiki or a dashboard.",
                f'<a href="{base}"><img src="{base}/badge.svg" alt="Service status"></a>'),
        Snippet("Markdown badge", "For GitHub, GitLab and other Markdown READMEs.",
                f"[![Service status]({base}/badge.svg)]({base})"),
        Snippet("Status pill (script)", "Shows the current status where the tag is placed and "
                "refreshes it every few minutes.",
                f'<script src="{base}/embed.js" async></script>'),
        Snippet("Status box (iframe)", "Works where scripts are not allowed.",
                f'<iframe src="{base}/embed" title="Service status" width="320" height="48" '
                f'style="border:0"></iframe>'),
    ]


def _page(form: PageSettingsForm, logo_form: LogoForm, status: int = 200) -> ResponseReturnValue:
    page = get_page()
    form.set_country_choices()
    return render_template("console/settings.html", form=form, logo_form=logo_form,
                           logo_url=page.logo_url, max_logo_kib=logos.MAX_LOGO_BYTES // 1024,
                           snippets=embed_snippets(page.url)), status


@bp.route("/settings", methods=["GET", "POST"])
@require_role("admin")
def settings() -> ResponseReturnValue:
    if request.method == "GET":
        form = PageSettingsForm(formdata=None,
                                data=asdict(use_cases.settings_input(get_page())))
        return _page(form, LogoForm(formdata=None))
    form = PageSettingsForm()
    if not form.validate():
        return _page(form, LogoForm(formdata=None), INVALID)
    try:
        use_cases.update_page_settings(form.to_input(), current_user)
    except DomainError as error:
        form.add_error(error)
        return _page(form, LogoForm(formdata=None), INVALID)
    flash(_("Page settings saved."), "success")
    return redirect(url_for("console.settings")), 303


@bp.post("/settings/logo")
@require_role("admin")
def settings_logo() -> ResponseReturnValue:
    logo_form = LogoForm()
    upload = logo_form.logo_file.data
    try:
        if not logo_form.validate() or upload is None or not upload.filename:
            raise DomainError("Choose an image file to upload.", "logo_file")
        # One byte over the limit is enough to know the file is too large.
        logos.upload_logo(upload.stream.read(logos.MAX_LOGO_BYTES + 1), current_user)
    except DomainError as error:
        logo_form.add_error(error)
        form = PageSettingsForm(formdata=None,
                                data=asdict(use_cases.settings_input(get_page())))
        return _page(form, logo_form, INVALID)
    flash(_("Logo uploaded."), "success")
    return redirect(url_for("console.settings")), 303


@bp.post("/settings/logo/remove")
@require_role("admin")
def settings_logo_remove() -> ResponseReturnValue:
    logos.remove_logo(current_user)
    flash(_("Logo removed."), "success")
    return redirect(url_for("console.settings")), 303
