"""…/incident_templates: list and create message templates, in Statuspage's shape.

Our templates (incidents.templates) are the console's message templates: a name, a title,
a markdown body and an SMS wording, for one phase. Statuspage's `update_status` is the phase
(`scheduled`, `in_progress` and `completed` are the maintenance phases, `postmortem` the
postmortem's; `verifying` has no template phase here: 422). What Statuspage keeps on a
template that ours does not is accepted only at the value that means nothing is kept: no
template group (`group_id` null), no components (`component_ids` empty: components are chosen
when posting), `should_send_notifications` true (whether an update notifies is decided when
it is posted) and `should_tweet` false (we do not tweet). `sms_body` is our extension.
"""

from __future__ import annotations

from flask import Response

from statuspage.api import v1_body as body
from statuspage.api.v1 import as_token, bp, json_response
from statuspage.api.v1_incident_input import NO_TWEETS
from statuspage.api.v1_incident_lists import page_args
from statuspage.api.v1_serializers import TEMPLATE_PHASES as PHASES
from statuspage.api.v1_serializers import template_record
from statuspage.core.errors import DomainError
from statuspage.incidents import templates

FIELDS = ("name", "title", "body", "update_status", "group_id", "component_ids",
          "should_send_notifications", "should_tweet", "sms_body")
TEMPLATES = "/pages/<page_id>/incident_templates"


@bp.get(TEMPLATES)
def template_list() -> Response:
    per_page, page = page_args("per_page")
    found = templates.list_templates()[(page - 1) * per_page:page * per_page]
    return json_response([template_record(t) for t in found])


@bp.post(TEMPLATES)
def template_create() -> Response:
    raw = body.resource("template", FIELDS)
    status = body.text(raw, "update_status") or "investigating"
    if status not in PHASES:
        raise DomainError(f"update_status must be one of {', '.join(PHASES)} (templates have "
                          "no verifying phase here).", "update_status")
    if body.text(raw, "group_id"):
        raise DomainError("Template groups are not kept here; send group_id null or leave it "
                          "out.", "group_id")
    components = raw.get("component_ids")
    if components not in (None, []):
        raise DomainError("Templates here hold no components (choose them when posting); "
                          "send component_ids empty or leave it out.", "component_ids")
    body.fixed(raw, {"should_send_notifications": (True, "whether an update notifies is "
                                                   "decided when it is posted."),
                     "should_tweet": (False, NO_TWEETS)})
    data = templates.TemplateInput(
        phase=PHASES[status],
        name=body.text(raw, "name") or "",
        title=body.text(raw, "title") or "",
        body=body.text(raw, "body", multiline=True) or "",
        sms_body=body.text(raw, "sms_body") or "",
    )
    with as_token():
        template = templates.create_template(data, None)
    return json_response(template_record(template), 201)
