"""Error responses: JSON under /api, HTML elsewhere; never a stack trace to a visitor."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> ResponseReturnValue:
        code = error.code or 500
        if request.path.startswith("/api/"):
            return jsonify(error=error.name, message=error.description), code
        return render_template("error.html", code=code, title=error.name,
                               message=error.description), code
