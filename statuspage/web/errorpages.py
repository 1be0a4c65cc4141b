"""Error responses: JSON under /api, HTML elsewhere; never a stack trace to a visitor."""

from __future__ import annotations

import contextlib
import logging

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from redis import RedisError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from statuspage.core.extensions import db
from statuspage.core.i18n import N_
from statuspage.web import login
from statuspage.web.db_guard import UNAVAILABLE, DatabaseUnavailable

log = logging.getLogger(__name__)

# The errors a visitor meets, so their titles can be translated (the API keeps Werkzeug's).
_TITLES = {400: N_("Bad Request"), 403: N_("Forbidden"), 404: N_("Not Found"),
           405: N_("Method Not Allowed"), 410: N_("Gone"), 429: N_("Too Many Requests"),
           500: N_("Internal Server Error"), 503: N_("Service Unavailable")}
# Said instead of Werkzeug's own text when a view gave no description of its own.
_MESSAGES = {404: N_("There is nothing at this address."),
             405: N_("This address does not accept that request."),
             500: N_("Something went wrong on our side. Please try again in a moment."),
             503: N_("This page cannot be shown right now. Please try again in a moment.")}


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> ResponseReturnValue:
        code = error.code or 500
        if code >= 500:
            _rollback()
        # Werkzeug's own headers (405's Allow, 401's WWW-Authenticate), not its Content-Type.
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        if request.path.startswith("/api/"):
            return jsonify(error=error.name, message=error.description), code, headers
        title = gettext(_TITLES[code]) if code in _TITLES else error.name
        message = error.description
        if code in _MESSAGES and message == type(error).description:
            message = gettext(_MESSAGES[code])
        kept = getattr(error, "kept", None)  # a refused form's text (web.input_guard.RefusedText)
        return (render_template("error.html", code=code, title=title, message=message,
                                kept=kept), code, headers)

    @app.errorhandler(DatabaseUnavailable)
    def _database_unavailable(error: DatabaseUnavailable) -> ResponseReturnValue:
        if request.path.startswith("/api/"):
            return _http_error(error)
        # Rendered as for a visitor and with the app-wide template context only: loading the
        # signed-in user (the console's menu) or a blueprint's extras (an incident's delivery
        # overview) would wait on the very database that is not answering.
        login.treat_visitor_as_anonymous()
        context: dict[str, object] = {}
        for processor in app.template_context_processors[None]:
            context.update(app.ensure_sync(processor)())
        return app.jinja_env.get_template("error.html").render(
            context, code=503, title=gettext(_TITLES[503]), message=gettext(_MESSAGES[503])), 503

    def _unavailable(error: Exception) -> ResponseReturnValue:
        # The database or Redis is down or not answering: a clean 503, never a traceback.
        first_line = str(error).splitlines()[0] if str(error) else ""
        log.warning("%s %s: a dependency is unavailable (%s: %s)", request.method, request.path,
                    type(error).__name__, first_line)
        return _database_unavailable(DatabaseUnavailable())

    for kind in (*UNAVAILABLE, RedisError):
        if not issubclass(kind, HTTPException):
            app.register_error_handler(kind, _unavailable)


def _rollback() -> None:
    """End a failed transaction, so rendering the error page cannot fail on it as well
    (PendingRollbackError would give a bare error page)."""
    with contextlib.suppress(SQLAlchemyError):  # the database is gone: render without it
        db.session.rollback()
