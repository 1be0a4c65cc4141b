"""Security headers on every response, by surface.

- Console (`/console…`, the authenticated pages and their login): a strict
  Content-Security-Policy (scripts from this site only, no inline or eval'd script, no plugins,
  forms post only here, never framed: `frame-ancestors 'none'`), `X-Frame-Options: DENY` for
  older browsers, `Referrer-Policy: same-origin` (console URLs never reach other sites) and
  `Cache-Control: no-store` (no console page is kept by a browser or a proxy, so the back button
  after logout shows nothing). Inline *styles* are allowed: the email previews (the outbox, the
  composer's reach preview) are shown in sandboxed `srcdoc` frames, which inherit the page's
  policy, and emails are styled inline; the frames' sandbox forbids scripts regardless.
- Public pages: `Referrer-Policy: strict-origin-when-cross-origin` unless a view chose a stricter
  one (the personal manage, unsubscribe and internal pages say `no-referrer`). Their CSP and
  framing rules are in statuspage.public.headers (`/embed` stays frameable). Nothing here
  touches caching of public responses.
- Everything: `X-Content-Type-Options: nosniff` (feeds, ICS, CSS, JSON, images are taken for
  what their Content-Type says), and `Strict-Transport-Security` (one year) when
  PUBLIC_BASE_URL is https, which is how the service is meant to run behind a TLS proxy.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request

CONSOLE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' https: data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
CONSOLE_REFERRER_POLICY = "same-origin"
PUBLIC_REFERRER_POLICY = "strict-origin-when-cross-origin"
HSTS = "max-age=31536000"


def init_app(app: Flask) -> None:
    """Add the headers to every response of `app` (error pages included)."""
    app.after_request(add_security_headers)


def is_console_path(path: str) -> bool:
    return path == "/console" or path.startswith("/console/")


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    if current_app.config["PUBLIC_BASE_URL"].startswith("https://"):
        headers.setdefault("Strict-Transport-Security", HSTS)
    if is_console_path(request.path):
        headers.setdefault("Content-Security-Policy", CONSOLE_POLICY)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", CONSOLE_REFERRER_POLICY)
        headers["Cache-Control"] = "no-store"
    else:
        headers.setdefault("Referrer-Policy", PUBLIC_REFERRER_POLICY)
    return response
