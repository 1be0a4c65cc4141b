"""Languages: English and Norwegian Bokmål for visitors and subscribers, English elsewhere.

A visitor's language is, in order: `?lang=` on the URL (the switch in the public footer, which
also remembers the choice in a plain `lang` cookie), that cookie, the best match of
`Accept-Language` among LANGUAGES, and English. The console, the APIs and the provider hooks
are always English (Statuspage-compatible fields, and one cache entry per API URL).

Public pages are shared through statuspage.web.cache, keyed on the chosen language, and say
`Vary: Accept-Language`. A CDN keys on the URL and that header only, so a response whose
language came from the cookie against what the header would choose, or that sets the cookie,
is marked private: it reaches that visitor alone, and the shared pages never `Vary: Cookie`.

Subscribers read their messages in the language recorded when they subscribed: the renderers
in statuspage.messages.build* run under `flask_babel.force_locale(language_for(...))`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel import dates, numbers
from flask import Flask, Response, has_request_context, request, url_for
from flask_babel import get_locale, refresh
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from statuspage.core.extensions import babel
from statuspage.core.paths import ROOT

LANGUAGES = ("en", "nb")
DEFAULT_LANGUAGE = "en"
# Each language named in itself, as the switch shows it.
LANGUAGE_NAMES = {"en": "English", "nb": "Norsk bokmål"}
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
# "no" is Norwegian without a written standard named, which browsers send for Bokmål; a
# Nynorsk reader understands Bokmål far better than English.
_ALIASES = {"no": "nb", "nn": "nb"}
# Surfaces that stay English whatever the visitor asks for (by path too, for their 404s).
_ENGLISH_BLUEPRINTS = frozenset({"console", "api_v1", "api_v2", "hooks", "health"})
_ENGLISH_PATHS = ("/console", "/api/", "/hooks/")
_ENVIRON_KEY = "statuspage.language"

# Date and time patterns per language (CLDR syntax). English keeps the Statuspage look
# ("Nov 05, 2022 15:50 UTC"); Norwegian writes "5. nov. 2022 kl. 15:50 CET".
_PATTERNS = {
    "en": {"time": "MMM dd, y HH:mm", "message": "MMM d, y HH:mm", "day": "MMM d, y",
           "month": "LLLL y"},
    "nb": {"time": "d. MMM y 'kl.' HH:mm", "message": "d. MMM y 'kl.' HH:mm",
           "day": "d. MMM y", "month": "LLLL y"},
}

_MEMO_SIZE = 256
_header_memo: dict[str, str] = {}


def N_(text: str) -> str:
    """Mark a string for extraction (gettext's "N_") where it must stay English (API, feeds).

    Whoever shows it to a reader translates it then, with gettext(value).
    """
    return text


def supported(tag: str | None) -> str | None:
    """"nb" for "nb-NO", "no" or "nn_NO"; "en" for "en-GB"; None for anything else."""
    if not tag:
        return None
    primary = tag.replace("_", "-").split("-", 1)[0].strip().lower()
    primary = _ALIASES.get(primary, primary)
    return primary if primary in LANGUAGES else None


def language_for(tag: str | None) -> str:
    """The language a subscriber's messages are written in (English when not supported)."""
    return supported(tag) or DEFAULT_LANGUAGE


def from_header(header: str) -> str:
    """The best of LANGUAGES for an Accept-Language value, English when none is acceptable."""
    found = _header_memo.get(header)
    if found is None:
        found = DEFAULT_LANGUAGE
        # Sorted by quality, best first; q=0 means "not this one".
        for value, quality in parse_accept_header(header, LanguageAccept):
            match = supported(value)
            if match is not None and quality > 0:
                found = match
                break
        if len(_header_memo) >= _MEMO_SIZE:
            _header_memo.clear()
        _header_memo[header] = found
    return found


def _choice() -> tuple[str, str]:
    """(language, source) for this request; source is "fixed", "query", "cookie" or "header"."""
    cached = request.environ.get(_ENVIRON_KEY)
    if cached is not None:
        return cached
    if request.blueprint in _ENGLISH_BLUEPRINTS or request.path.startswith(_ENGLISH_PATHS):
        choice = (DEFAULT_LANGUAGE, "fixed")
    elif (asked := supported(request.args.get(COOKIE))) is not None:
        choice = (asked, "query")
    elif (kept := supported(request.cookies.get(COOKIE))) is not None:
        choice = (kept, "cookie")
    else:
        choice = (from_header(request.headers.get("Accept-Language", "")), "header")
    request.environ[_ENVIRON_KEY] = choice
    return choice


def request_language() -> str:
    """The language this request is answered in (part of the response cache key)."""
    return _choice()[0]


def _select_locale() -> str | None:
    # A worker or the CLI renders outside any request: English unless a renderer forces
    # the subscriber's language.
    return request_language() if has_request_context() else None


def current_language() -> str:
    """The language being rendered now: the request's, or the one a renderer forced."""
    locale = get_locale()
    return str(locale.language) if locale is not None else DEFAULT_LANGUAGE


def language_links() -> list[dict[str, object]]:
    """The footer switch: each language with a link to this page in it."""
    args: dict[str, Any] = request.args.to_dict()
    links = []
    for code in LANGUAGES:
        args[COOKIE] = code
        if request.endpoint and request.url_rule is not None:
            href = url_for(request.endpoint, **(request.view_args or {}), **args)
        else:
            href = f"{request.path}?{COOKIE}={code}"
        links.append({"code": code, "name": LANGUAGE_NAMES[code], "href": href,
                      "current": code == current_language()})
    return links


def _pattern(kind: str) -> str:
    return _PATTERNS.get(current_language(), _PATTERNS[DEFAULT_LANGUAGE])[kind]


def format_when(value: datetime, zone: ZoneInfo, kind: str = "time") -> str:
    """A moment in the page's zone, written for the current language, zone abbreviated."""
    local = value.astimezone(zone)
    text = dates.format_datetime(local, _pattern(kind), locale=current_language())
    return f"{text} {local.tzname()}"


def format_day(day: date, kind: str = "day") -> str:
    """`Nov 3, 2026` / `3. nov. 2026`, or with kind "month" `November 2026` / `november 2026`."""
    return dates.format_date(day, _pattern(kind), locale=current_language())


def format_decimal(value: float) -> str:
    """`99.95` / `99,95`."""
    return numbers.format_decimal(value, locale=current_language())


def _after_request(response: Response) -> Response:
    choice = request.environ.get(_ENVIRON_KEY)
    if choice is None or choice[1] == "fixed":
        return response
    language, source = choice
    response.vary.add("Accept-Language")
    sets_cookie = source == "query" and request.cookies.get(COOKIE) != language
    if sets_cookie:
        response.set_cookie(COOKIE, language, max_age=COOKIE_MAX_AGE, samesite="Lax",
                            secure=request.is_secure, httponly=True)
    header_choice = from_header(request.headers.get("Accept-Language", ""))
    if response.cache_control.public and (
            sets_cookie or (source == "cookie" and language != header_choice)):
        response.cache_control.public = False
        response.cache_control.private = True
    return response


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES",
                          str(ROOT / "translations"))
    babel.init_app(app, locale_selector=_select_locale)
    # Flask-Babel remembers the locale on `g`, which lives as long as the app context; a
    # worker (or a test) serving several requests in one app context must choose anew.
    app.before_request(refresh)
    app.after_request(_after_request)
    app.jinja_env.globals.update(current_language=current_language,
                                 language_links=language_links)

