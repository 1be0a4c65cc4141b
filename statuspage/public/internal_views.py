"""The internal incident view at /internal/<token>: a stakeholder member's own, read-only page.

Its own blueprint, so that every answer under it (the page and its 403/410 refusals) is
private: never stored by a shared cache (statuspage.web.cache serves only views it wraps, and
this one is not), never indexed, and never leaking the token to another site through Referer.
The page is written in the member's language.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort
from flask_babel import force_locale

from statuspage.core.i18n import language_for
from statuspage.public import internal_presenter
from statuspage.public.views import render_public

bp = Blueprint("internal", __name__)


@bp.get("/internal/<token>")
def incident(token: str) -> str:
    try:
        opened = internal_presenter.open_link(token)
    except internal_presenter.LinkRefused as refused:
        abort(refused.status, description=refused.message)
    with force_locale(language_for(opened.member.language)):
        view = internal_presenter.internal_incident(opened)
        return render_public("public/internal.html", view=view, site=view.site)


@bp.after_request
def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
