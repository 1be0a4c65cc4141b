"""The page's branding as files: the accent stylesheet and an uploaded logo.

`/theme.css` replaces an inline <style> (the Content-Security-Policy allows none); pages link
it with the accent in the query string, so a new colour is a new URL and never waits for a
cached copy to expire. An uploaded logo's URL carries the digest of its bytes, so it is
served as immutable.
"""

from __future__ import annotations

from flask import Response, abort, request

from statuspage.page import logos
from statuspage.page.record import get_page
from statuspage.public import bp
from statuspage.public.headers import IMAGE_POLICY
from statuspage.public.theme import theme_for
from statuspage.web.cache import cached

YEAR = 365 * 24 * 3600


@bp.get("/theme.css")
@cached
def theme_css() -> Response:
    return Response(theme_for(get_page().accent_color).css(), mimetype="text/css")


@bp.get("/logo/<filename>")
def logo(filename: str) -> Response:
    found = logos.stored_logo(filename)
    if found is None:
        abort(404, description="There is no such logo.")
    response = Response(found.data, mimetype=found.content_type)
    response.set_etag(found.digest)
    response.cache_control.public = True
    response.cache_control.max_age = YEAR
    response.cache_control.immutable = True
    response.headers["Content-Security-Policy"] = IMAGE_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    extension = filename.rpartition(".")[2]
    response.headers["Content-Disposition"] = f'inline; filename="logo.{extension}"'
    response.make_conditional(request)  # in place (it returns the same response)
    return response
