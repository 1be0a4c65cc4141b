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

from dataclasses import replace

from flask import Response, current_app

from statuspage.api import v1_body as body
from statuspage.api import v1_page_input as given
from statuspage.api.v1 import as_token, bp, context, json_response
from statuspage.api.v1_serializers_resources import page_profile
from statuspage.core.errors import DomainError
from statuspage.page import settings as use_cases
from statuspage.page.record import get_page


def _profile() -> Response:
    return json_response(page_profile(context(), str(current_app.config["MAIL_FROM"])))


@bp.get("/pages/<page_id>")
def page_get() -> Response:
    return _profile()


@bp.route("/pages/<page_id>", methods=["PATCH", "PUT"])
def page_patch() -> Response:
    changes = given.changes(body.resource("page", given.FIELDS))
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
