"""Public pages: the status page, incident permalinks and the history, all cacheable."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from statuspage.core.numbers import whole_number
from statuspage.migration.links import moved_incident
from statuspage.public import bp, front_presenter, history_presenter, presenters
from statuspage.web.cache import cached

# A page number beyond this is a crawler or a typo, not a reader (~300 years of months).
MAX_HISTORY_PAGE = 1200


def render_public(template: str, **context: Any) -> str:
    """Render a public template from the values given, without the app's context processors.

    Flask-Login's context processor loads `current_user` from the session, and a render that
    reads the session is kept out of the shared cache; public pages need no visitor state.
    """
    return current_app.jinja_env.get_template(template).render(request=request, **context)


@bp.get("/")
@cached
def index() -> str:
    view = front_presenter.front_page()
    return render_public("public/index.html", view=view, site=view.site)


@bp.get("/incidents/<public_id>")
@cached
def incident(public_id: str) -> str | Response:
    found = presenters.incident_page(public_id)
    if found is None:
        # A Statuspage permalink whose id could not be kept by the import (statuspage.migration).
        moved = moved_incident(public_id)
        if moved is not None:
            return redirect(url_for("public.incident", public_id=moved), 301)
        abort(404, description=_("There is no incident or maintenance with this address."))
    site, incident_view = found
    return render_public("public/incident.html", site=site, incident=incident_view)


@bp.get("/history")
@cached
def history() -> str:
    number = whole_number(request.args.get("page", "1"), 1, MAX_HISTORY_PAGE)
    if number is None:
        abort(404, description=_("There is no such page of history."))
    view = history_presenter.history_page(number)
    if view is None:
        abort(404, description=_("There is no such page of history."))
    return render_public("public/history.html", view=view, site=view.site)
