"""Error responses: JSON under /api, HTML elsewhere; never a stack trace to a visitor."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from werkzeug.exceptions import HTTPException

from statuspage.i18n import N_

# The errors a visitor meets, so their titles can be translated (the API keeps Werkzeug's).
_TITLES = {400: N_("Bad Request"), 403: N_("Forbidden"), 404: N_("Not Found"),
           405: N_("Method Not Allowed"), 410: N_("Gone"), 429: N_("Too Many Requests"),
           500: N_("Internal Server Error"), 503: N_("Service Unavailable")}
# Said instead of Werkzeug's own text when a view gave no description of its own.
_MESSAGES = {404: N_("There is nothing at this address."),
             405: N_("This address does not accept that request."),
             500: N_("Something went wrong on our side. Please try again in a moment.")}


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> ResponseReturnValue:
        code = error.code or 500
        # What the exception says about itself stays, e.g. a 405's `Allow` (RFC 9110 15.5.6).
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        if request.path.startswith("/api/"):
            return jsonify(error=error.name, message=error.description), code, headers
        title = gettext(_TITLES[code]) if code in _TITLES else error.name
        message = error.description
        if code in _MESSAGES and message == type(error).description:
            message = gettext(_MESSAGES[code])
        return (render_template("error.html", code=code, title=title, message=message), code,
                headers)
