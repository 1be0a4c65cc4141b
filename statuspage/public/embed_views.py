"""Embeds for other sites: the SVG badge, the iframe page and the script that shows a pill.

The badge and the iframe page are served from the response cache like the status page itself
(ETag, 304, `Cache-Control: public, max-age=CACHE_MAX_AGE`), so a README viewed by thousands
costs one render per process per publish. The script is a static file; it reads the
Statuspage-compatible `/api/v2/status.json`, which any origin may read (CORS `*`).
"""

from __future__ import annotations

from flask import Response, current_app, send_from_directory

from statuspage.public import badge, bp, presenters
from statuspage.public.headers import FRAMEABLE_POLICY, IMAGE_POLICY
from statuspage.public.views import render_public
from statuspage.web.cache import cached

# The script changes only with a release; five minutes keeps a fix from taking a day to land.
SCRIPT_MAX_AGE = 300


@bp.get("/badge.svg")
@cached
def badge_svg() -> Response:
    summary = presenters.status_summary()
    svg = badge.render(badge.Badge(label=summary.site.name, value=summary.description,
                                   indicator=summary.indicator))
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = IMAGE_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/embed")
@cached
def embed() -> Response:
    summary = presenters.status_summary()
    response = Response(render_public("public/embed.html", summary=summary,
                                      site=summary.site))
    # The one public page meant to sit in someone else's frame.
    response.headers["Content-Security-Policy"] = FRAMEABLE_POLICY
    return response


@bp.get("/embed.js")
def embed_js() -> Response:
    response = send_from_directory(current_app.static_folder or "static", "embed.js",
                                   max_age=SCRIPT_MAX_AGE, mimetype="text/javascript")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
