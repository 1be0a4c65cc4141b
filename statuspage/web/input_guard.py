"""The input boundary: every request's path, query string and body is checked before a view.

Guarantees, for every route (new ones included, as nothing here is per view):
- a path with a control character is a 404 and a query string with one a 400, so such text
  never reaches a view or the database;
- a form field, uploaded file name or JSON string with a character `core.text_rules` refuses is a
  400 naming the field (a 422 with `field` on the management API, like its other refusals);
- a JSON body nested deeper than MAX_JSON_DEPTH, or too deep for the parser, is a 400;
- a body larger than MAX_REQUEST_BYTES is a 413 (routes that take a larger upload say so with
  `accepts_upload`);
- `<int:...>` URL parts are ASCII digits no larger than a database id (`numbers`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from flask import Flask, abort, current_app, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

from statuspage.core.errors import DomainError
from statuspage.core.numbers import BoundedIntConverter
from statuspage.core.text_rules import describe, refused_in_line, refused_in_text, without_refused

MAX_JSON_DEPTH = 32
TOO_DEEP = f"The JSON body is nested too deeply (more than {MAX_JSON_DEPTH} levels)."
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Blueprints whose refusals are DomainErrors (422 with the field), as their own are.
DOMAIN_ERROR_BLUEPRINTS = frozenset({"api_v1"})

View = TypeVar("View", bound=Callable[..., Any])
# Form fields never echoed back on a refusal page: secrets, and the form's own machinery.
_WORDS = re.compile(r"\s")  # typed text, unlike a select's or a checkbox's one-token value
_NOT_ECHOED = ("password", "token", "csrf", "secret", "code", "totp", "action")


class RefusedText(BadRequest):
    """A form refused for a control character; carries what was typed, so nothing is lost.

    `kept` holds (field, text without the refused characters) for every non-secret field
    that was filled in: the error page shows them for copying back.
    """

    def __init__(self, description: str, kept: list[tuple[str, str]]) -> None:
        super().__init__(description=description)
        self.kept = kept


def accepts_upload(max_bytes: int) -> Callable[[View], View]:
    """Let one view take a body of up to `max_bytes` (a file upload) instead of the default."""

    def mark(view: View) -> View:
        view.max_body_bytes = max_bytes  # type: ignore[attr-defined]
        return view

    return mark


class JSONTooDeep(ValueError):
    """A JSON document nested too deeply for the parser."""


class GuardedJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, turning "too deep to parse" into the ValueError of bad JSON.

    Werkzeug answers a ValueError from the parser with 400 Bad Request; a RecursionError
    would be a 500.
    """

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise JSONTooDeep("The JSON document is nested too deeply.") from None


def init_app(app: Flask) -> None:
    """Install the checks; call before blueprints are registered (for the URL converter)."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.json = GuardedJSONProvider(app)
    # First of all hooks: before CSRFProtect parses the form (with the default size limit) and
    # before anything looks the path up.
    app.before_request_funcs.setdefault(None, []).insert(0, check_request)


def check_request() -> None:
    """Refuse the request (404/400/413/422) when its path, query or body holds refused text."""
    if refused_in_line(request.path):
        # Dropped, so nothing rendering the 404 page (a context processor) can look them up.
        request.view_args = {}
        abort(404)
    for key, value in request.args.items(multi=True):
        bad = refused_in_line(key) or refused_in_line(value)
        if bad:
            abort(400, description=_("The query parameter “%(name)s” contains a control "
                                     "character (%(char)s), which is not accepted.",
                                     name=_shown(key), char=describe(bad)))
    if request.method in BODY_METHODS:
        _limit_body()
        _check_form()
        if request.is_json:
            _check_json()


def _limit_body() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    larger = getattr(view, "max_body_bytes", None)
    if larger is not None:
        request.max_content_length = larger


def _check_form() -> None:
    for key, value in request.form.items(multi=True):
        bad = refused_in_line(key) or refused_in_text(value)
        if bad:
            _refuse(key, bad)
    for key, upload in request.files.items(multi=True):
        bad = refused_in_line(key) or refused_in_line(upload.filename or "")
        if bad:
            _refuse(key, bad)


def _check_json() -> None:
    try:
        payload = current_app.json.loads(request.get_data(cache=True))
    except JSONTooDeep:
        abort(400, description=TOO_DEEP)
    except ValueError:
        return  # not JSON after all: the view's own get_json() answers 400 in its words
    for path, value, depth in _walk(payload):
        if depth > MAX_JSON_DEPTH:
            abort(400, description=TOO_DEEP)
        if isinstance(value, str) and (bad := refused_in_text(value)):
            _refuse(path, bad)


def _walk(payload: Any) -> Iterator[tuple[str, Any, int]]:
    """(dotted path, value, depth) for every key and value, without recursion."""
    stack: list[tuple[str, Any, int]] = [("", payload, 0)]
    while stack:
        path, value, depth = stack.pop()
        yield path, value, depth
        if isinstance(value, dict):
            for key, inner in value.items():
                child = f"{path}.{key}" if path else str(key)
                yield child, key, depth + 1
                stack.append((child, inner, depth + 1))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", inner, depth + 1) for i, inner in enumerate(value))


def _refuse(field: str, bad: str) -> None:
    message = _("“%(name)s” contains a control character (%(char)s), which is not accepted. "
                "Remove it and send again.", name=_shown(field), char=describe(bad))
    if request.blueprint in DOMAIN_ERROR_BLUEPRINTS:
        raise DomainError(message, _shown(field))
    raise RefusedText(message, _kept_form_text(field))


def _kept_form_text(refused: str) -> list[tuple[str, str]]:
    """The typed text of a refused form (the refused field, and every other field holding
    more than one word), minus secrets and refused characters."""
    kept = []
    for key, value in request.form.items(multi=True):
        lowered = key.lower()
        if any(word in lowered for word in _NOT_ECHOED):
            continue
        if key == refused or _WORDS.search(value.strip()):
            kept.append((_shown(key), without_refused(value)))
    return kept


def _shown(name: str) -> str:
    """A field name safe to echo back: refused characters made visible, length capped."""
    cleaned = "".join(describe(c) if refused_in_line(c) else c for c in name[:80])
    return cleaned or "(unnamed)"
