"""Personal data and secrets out of text before it leaves the process (error reports).

What a status page holds about people is addresses (email, phone, webhook URL), the signed
tokens in their links (manage, unsubscribe, confirm, internal) and secrets (webhook signing
secrets, API tokens, session cookies). Any of them can reach an error's text: an exception
message naming the address it failed on, SQLAlchemy's "[parameters: ...]" with a row's
values, an HTTP client's error with a webhook's full URL, a log line with a request path.

`scrub_text` masks them in free text, `scrub_url` in a URL of this site (the request's),
`scrub_value` in nested data, where a key that names a secret drops its value whole.
Each rule errs towards masking: a long number in a message may be an id, not a phone, and is
masked all the same.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from statuspage.core.logging_setup import redact as redact_secrets

EMAIL, PHONE, TOKEN, SECRET, REDACTED = "[email]", "[phone]", "[token]", "[secret]", "[redacted]"
# Paths whose next segment is a token that acts for its subscriber or member (every rule of
# the app with a `<token>`: tests/core/test_scrub.py checks the list against the URL map).
TOKEN_PATHS = ("/manage/", "/unsubscribe/", "/subscribe/confirm/", "/internal/")
# Keys (headers, extra data, breadcrumb data) whose value is dropped whatever it looks like:
# secrets, and URL queries and fragments (an outgoing request's "http.query").
SECRET_KEY = re.compile(r"(?i)auth|cookie|token|secret|passw|signature|api[_-]?key|dsn|session"
                        r"|csrf|credential|query|fragment")

_TOKEN_PATH = re.compile("(" + "|".join(re.escape(p) for p in TOKEN_PATHS) + r")[^/\s?#'\"<>]+")
_SQL_PARAMETERS = re.compile(r"\[parameters: [^\n]*")
_EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")
# Signed tokens: dotted parts ending in a 22-character (HMAC-SHA256 truncated to 128 bits:
# subscriber and internal links) or 27-character (itsdangerous: confirmation links) signature.
_SIGNED = re.compile(r"(?<![\w.-])[\w-]+(?:\.[\w-]+){1,3}\.([\w-]{22}|[\w-]{27})(?![\w.-])")
# Random secrets: webhook signing secrets and API tokens (token_urlsafe(32), 43 characters).
_LONG_SECRET = re.compile(r"(?<![\w-])[\w-]{40,}(?![\w-])")
# Phone numbers: international (+ or 00, then 7 to 15 digits with spaces, dots, dashes or
# brackets) and national forms (8 to 15 digits, grouped by spaces, dashes or brackets).
_INTERNATIONAL = re.compile(r"(?<![\w+])(?:\+|00)\d(?:[\s().-]{0,2}\d){6,14}(?![\w:])")
_NATIONAL = re.compile(r"(?<![\w+.:/-])\(?\d(?:[\s()-]{0,2}\d){7,14}(?![\w:]|\.\d)")
_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}-\d{1,2}-\d{4}")


def _signed(match: re.Match[str]) -> str:
    # A dotted module path ends in a lowercase word; a signature has capitals or digits.
    return TOKEN if re.search(r"[A-Z0-9]", match.group(1)) else match.group(0)


def _phone(match: re.Match[str]) -> str:
    return match.group(0) if _DATE.fullmatch(match.group(0).strip("()")) else PHONE


_RULES: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (_SQL_PARAMETERS, f"[parameters: {REDACTED}]"),
    (_TOKEN_PATH, rf"\1{TOKEN}"),
    (_EMAIL, EMAIL),
    (_SIGNED, _signed),
    (_LONG_SECRET, SECRET),
    (_INTERNATIONAL, PHONE),
    (_NATIONAL, _phone),
)


def _personal(text: str) -> str:
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text


def scrub_text(text: str) -> str:
    """Free text (a message, an exception's value) without personal data or secrets: also the
    path and query of every absolute URL (a webhook's URL is its secret), credentials in
    headers and `token=`-style values."""
    return _personal(redact_secrets(text))


def scrub_url(url: str) -> str:
    """A URL of this site: query and fragment dropped, link tokens and addresses masked."""
    base = url.split("#", 1)[0].split("?", 1)[0]
    return _personal(base)


def scrub_value(value: Any) -> Any:
    """Nested data (dicts, lists, strings) scrubbed; a secret-named key's value is dropped."""
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {key: REDACTED if isinstance(key, str) and SECRET_KEY.search(key)
                else scrub_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [scrub_value(item) for item in value]
    return value
