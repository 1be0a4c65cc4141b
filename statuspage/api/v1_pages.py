"""/api/v1/pages/<page_id>: the page profile (Statuspage's PagesApi), read and changed.

PATCH and PUT take `{"page": {...}}` and change only the fields given, through the console's
settings use-case (statuspage.page.settings: validated, audited, the page republished):
Statuspage's `name`, `url`, `time_zone`, `allow_email_subscribers`, `allow_sms_subscribers`,
`allow_webhook_subscribers`, `allow_incident_subscribers` and `notifications_email_footer`
(our email footer), and ours `allow_chat_subscribers` and `accent_color`. Statuspage's other
page fields (domain, branding, css colours, team-only viewing ...) have no setting here: they
are refused with a 422 naming them, never ignored. SMS countries and the logo stay in the
console, where they can be checked against what they change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from flask import Response, current_app

from statuspage.api import v1_body as body
from statuspage.api.v1 import as_token, bp, context, json_response
from statuspage.api.v1_serializers_resources import page_profile
from statuspage.core.errors import DomainError
from statuspage.page import settings as use_cases
from statuspage.page.record import get_page

FLAGS = ("allow_email_subscribers", "allow_sms_subscribers", "allow_webhook_subscribers",
         "allow_incident_subscribers", "allow_chat_subscribers")
TEXTS = {"name": "name", "url": "url", "time_zone": "time_zone",
         "notifications_email_footer": "email_footer", "accent_color": "accent_color"}
FIELDS = (*TEXTS, *FLAGS)
# The exact forms the API takes (the OpenAPI document states them): a URL with a host name
# and no character unsafe in an attribute, and a #rrggbb colour.
URL_PATTERN = (r"^[hH][tT][tT][pP][sS]?://[^\s\x00-\x1f\x7f<>\"'`\\/?#@:\[\]]+"
               r"(:[0-9]{0,5})?([/?#][^\s\x00-\x1f\x7f<>\"'`\\]*)?$")
COLOR_PATTERN = r"^#[0-9a-fA-F]{6}$"
_FORMS = {"url": re.compile(URL_PATTERN), "accent_color": re.compile(COLOR_PATTERN)}
MAX_URL = 500


def _profile() -> Response:
    return json_response(page_profile(context(), str(current_app.config["MAIL_FROM"])))


def _changes(raw: Mapping[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name, field in TEXTS.items():
        value = body.text(raw, name, multiline=name == "notifications_email_footer")
        if value is None:
            continue
        form = _FORMS.get(name)
        if form is not None and (form.fullmatch(value) is None or len(value) > MAX_URL):
            raise DomainError(f"{name} is not in the form this API takes (see the document).",
                              name)
        changes[field] = value
    for name in FLAGS:
        chosen = body.flag(raw, name)
        if chosen is not None:
            changes[name] = chosen
    return changes


@bp.get("/pages/<page_id>")
def page_get() -> Response:
    return _profile()


@bp.route("/pages/<page_id>", methods=["PATCH", "PUT"])
def page_patch() -> Response:
    changes = _changes(body.resource("page", FIELDS))
    if changes:
        data = replace(use_cases.settings_input(get_page()), **changes)
        try:
            with as_token():
                use_cases.update_page_settings(data, None)
        except DomainError as error:
            if error.field == "email_footer":
                error.field = "notifications_email_footer"
            raise
    return _profile()
