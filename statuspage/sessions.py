"""A cookie session that does not spoil shared caching of public responses.

Flask adds `Vary: Cookie` whenever anything read the session, and Flask-Login reads it on every
request, so every public page and API answer would say it depends on cookies and a CDN would
keep one copy per visitor. A response that declares itself `Cache-Control: public` and carries
no session data does not depend on the cookie, so it is left without that header.
"""

from __future__ import annotations

from flask import Flask, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


class PublicCacheFriendlySessionInterface(SecureCookieSessionInterface):
    def save_session(  # type: ignore[override]
        self, app: Flask, session: SecureCookieSession, response: Response
    ) -> None:
        if not session and not session.modified and response.cache_control.public:
            return
        super().save_session(app, session, response)
