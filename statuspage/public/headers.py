"""Security headers for the public surfaces: a strict Content-Security-Policy on every page.

Public pages load only this site's own stylesheets, scripts and images (plus an owner's logo
at an https address), run no inline script or style, and may not be framed, except `/embed`,
which exists to be framed (it sets FRAMEABLE_POLICY itself). Images that are documents in
their own right (the SVG badge, an uploaded SVG logo) get IMAGE_POLICY, which forbids
everything, so one opened directly can never run script. The console is left to its own.
"""

from __future__ import annotations

from flask import Response, request

from statuspage.public import bp

_COMMON = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https:; "
           "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
           "form-action 'self'")
PAGE_POLICY = f"{_COMMON}; frame-ancestors 'none'"
FRAMEABLE_POLICY = f"{_COMMON}; frame-ancestors *"
IMAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


@bp.after_app_request
def _security_headers(response: Response) -> Response:
    # App-wide, so error pages (404 for any URL) are covered too; the console is not public.
    if request.path == "/console" or request.path.startswith("/console/"):
        return response
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", PAGE_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response
