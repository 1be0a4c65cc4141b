"""A cookie session that does not spoil shared caching of public responses.

Flask adds `Vary: Cookie` whenever anything read the session, and Flask-Login reads it on every
request, so every public page and API answer would say it depends on cookies and a CDN would
keep one copy per visitor. A response that declares itself `Cache-Control: public` and carries
no session data does not depend on the cookie, so it is left without that header.
"""

from __future__ import annotations

from flask import Flask, Request, Response, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

# Where the interface leaves the session it opened: the WSGI environ of the request, which
# holds per-request values by design, so reading it marks nothing as accessed.
ENVIRON_KEY = "statuspage.session"


def session_accessed() -> bool:
    """Whether this request has read its session so far, without marking it read ourselves.

    Flask marks the session accessed on every read through the `session` proxy, including a
    read of `session.accessed`; this looks at the object the interface opened instead.
    """
    opened = request.environ.get(ENVIRON_KEY)
    return bool(getattr(opened, "accessed", False))


class PublicCacheFriendlySessionInterface(SecureCookieSessionInterface):
    def open_session(
        self, app: Flask, request: Request
    ) -> SecureCookieSession | None:
        opened = super().open_session(app, request)
        request.environ[ENVIRON_KEY] = opened
        return opened

    def save_session(  # type: ignore[override]
        self, app: Flask, session: SecureCookieSession, response: Response
    ) -> None:
        if not session and not session.modified and response.cache_control.public:
            return
        super().save_session(app, session, response)
