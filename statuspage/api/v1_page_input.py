"""Reading the page profile body `{"page": {...}}` (statuspage/api/v1_pages.py) into changes
of the page settings use-case's input, under its field names.

Text is checked for the exact form the OpenAPI document states: a URL with a host name and no
character unsafe in an attribute, and a #rrggbb colour; the use-case checks the rest (a name,
a known time zone, a footer within bounds).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from statuspage.api import v1_body as body
from statuspage.core.errors import DomainError

FLAGS = ("allow_email_subscribers", "allow_sms_subscribers", "allow_webhook_subscribers",
         "allow_incident_subscribers", "allow_chat_subscribers")
# Body field -> the settings input's field.
TEXTS = {"name": "name", "url": "url", "time_zone": "time_zone",
         "notifications_email_footer": "email_footer", "accent_color": "accent_color"}
FIELDS = (*TEXTS, *FLAGS)
URL_PATTERN = (r"^[hH][tT][tT][pP][sS]?://[^\s\x00-\x1f\x7f<>\"'`\\/?#@:\[\]]+"
               r"(:[0-9]{0,5})?([/?#][^\s\x00-\x1f\x7f<>\"'`\\]*)?$")
COLOR_PATTERN = r"^#[0-9a-fA-F]{6}$"
MAX_URL = 500
_FORMS = {"url": re.compile(URL_PATTERN), "accent_color": re.compile(COLOR_PATTERN)}


def changes(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The settings the body changes, by the settings input's names."""
    found: dict[str, Any] = {}
    for name, field in TEXTS.items():
        value = body.text(raw, name, multiline=name == "notifications_email_footer")
        if value is None:
            continue
        form = _FORMS.get(name)
        if form is not None and (form.fullmatch(value) is None or len(value) > MAX_URL):
            raise DomainError(f"{name} is not in the form this API takes (see the document).",
                              name)
        found[field] = value
    for name in FLAGS:
        chosen = body.flag(raw, name)
        if chosen is not None:
            found[name] = chosen
    return found
