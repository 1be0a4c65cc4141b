"""/api/v1/pages/<page_id>/components: list, read, create, update, delete, and uptime.

Body `{"component": {name, description, status, group_id, showcase, only_show_if_degraded,
start_date}}`, ids being public ids. PATCH changes only the fields given (null counts as
not given, except that `"group_id": null` moves a component out of its group and
`"start_date": null` clears the date). The list pages with `page` (from 1) and `per_page`
(at most 100), as Statuspage's does. DELETE answers 204; deleting a group this way moves its
components to the end of the page (as DELETE /component-groups/{id}).

Statuspage's audience-specific page methods (`components/{id}/page_access_users` and
`page_access_groups`) are not offered: this product has no page access users or groups.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response

from statuspage.api import v1_body as body
from statuspage.api import v1_query as query
from statuspage.api import v1_serializers as records
from statuspage.api.v1 import as_token, bp, context, json_response
from statuspage.api.v1_uptime import uptime
from statuspage.components import editing as use_cases
from statuspage.components.deletion import delete_component
from statuspage.core.errors import DomainError
from statuspage.models import Component
from statuspage.page.queries import ordered_components
from statuspage.page.serializers import component_list as component_list_payload

# The fields a component body takes (the OpenAPI document's ComponentFields); others: 422.
FIELDS = ("name", "description", "status", "group_id", "showcase", "only_show_if_degraded",
          "start_date")


def _group_id(raw: Mapping[str, Any], current: int | None) -> int | None:
    if "group_id" not in raw:
        return current
    public_id = body.text(raw, "group_id")
    if public_id is None:
        return None
    group = body.components_by_public_id([public_id], "group_id")[public_id]
    if not group.is_group:
        raise DomainError(f"{public_id!r} is a component, not a group.", "group_id")
    return group.id


def _input(raw: Mapping[str, Any], current: Component | None) -> use_cases.ComponentInput:
    """The fields given, on top of the component's current values (or the defaults)."""
    base = use_cases.ComponentInput(name="") if current is None else use_cases.ComponentInput(
        name=current.name,
        description=current.description or "",
        group_id=current.group_id,
        showcase=current.showcase,
        only_show_if_degraded=current.only_show_if_degraded,
        start_date=current.start_date,
        status=current.status,
    )
    name = body.text(raw, "name")
    description = body.text(raw, "description", multiline=True)
    showcase = body.flag(raw, "showcase")
    only_degraded = body.flag(raw, "only_show_if_degraded")
    status = body.text(raw, "status")
    return use_cases.ComponentInput(
        name=base.name if name is None else name,
        description=base.description if description is None else description,
        group_id=_group_id(raw, base.group_id),
        showcase=base.showcase if showcase is None else showcase,
        only_show_if_degraded=(base.only_show_if_degraded if only_degraded is None
                               else only_degraded),
        # Like group_id, an explicit null clears the start date.
        start_date=body.day(raw, "start_date") if "start_date" in raw else base.start_date,
        status=base.status if status is None else status,
    )


@bp.get("/pages/<page_id>/components")
def component_list() -> Response:
    limit, offset = query.per_page()
    listed = component_list_payload(context(), ordered_components())
    return json_response(listed[offset:offset + limit])


@bp.get("/pages/<page_id>/components/<component_id>")
def component_get(component_id: str) -> Response:
    component = use_cases.get_component(component_id)
    return json_response(records.component_record(context(), component))


@bp.post("/pages/<page_id>/components")
def component_create() -> Response:
    raw = body.resource("component", FIELDS)
    data = _input(raw, None)
    with as_token():
        component = use_cases.create_component(data, None)
    return json_response(records.component_record(context(), component), 201)


@bp.route("/pages/<page_id>/components/<component_id>", methods=["PATCH", "PUT"])
def component_patch(component_id: str) -> Response:
    component = use_cases.get_component(component_id)
    data = _input(body.resource("component", FIELDS), component)
    with as_token():
        component = use_cases.update_component(component, data, None)
    return json_response(records.component_record(context(), component))


@bp.delete("/pages/<page_id>/components/<component_id>")
def component_delete(component_id: str) -> Response:
    component = use_cases.get_component(component_id)
    with as_token():
        delete_component(component, None, children="ungroup")
    return Response(status=204)


@bp.get("/pages/<page_id>/components/<component_id>/uptime")
def component_uptime(component_id: str) -> Response:
    component = use_cases.get_component(component_id)
    return uptime(component, list(component.children) if component.is_group else [component])
