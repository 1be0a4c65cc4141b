"""`/maintenance.ics` and `/incidents/<id>.ics`: scheduled maintenance for calendar apps."""

from __future__ import annotations

from flask import Response, abort
from flask_babel import gettext as _

from statuspage.messages.context import base_url
from statuspage.models import MAINTENANCE
from statuspage.page import queries
from statuspage.page.record import get_page
from statuspage.public import bp, calendar
from statuspage.web.cache import cached

CONTENT_TYPE = "text/calendar; charset=utf-8"


@bp.get("/maintenance.ics")
@cached
def maintenance_ics() -> Response:
    site = calendar.site_of(get_page(), base_url())
    body = calendar.build_calendar(site, calendar.calendar_maintenances())
    return Response(body, content_type=CONTENT_TYPE)


@bp.get("/incidents/<public_id>.ics")
@cached
def incident_ics(public_id: str) -> Response:
    maintenance = queries.incident_with_timeline(public_id)
    if maintenance is None or maintenance.kind != MAINTENANCE:
        abort(404, description=_("There is no maintenance with this address."))
    site = calendar.site_of(get_page(), base_url())
    response = Response(calendar.build_calendar(site, [maintenance]), content_type=CONTENT_TYPE)
    # "Add to calendar" downloads a file the browser hands to the calendar app.
    response.headers["Content-Disposition"] = (
        f'attachment; filename="maintenance-{maintenance.public_id}.ics"')
    return response
