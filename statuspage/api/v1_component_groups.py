"""/api/v1/pages/<page_id>/component-groups: list, create, read, update, delete, uptime.

Statuspage's body keeps the description beside the wrapped fields:
`{"description": "...", "component_group": {"name": "...", "components": [ids]}}`.
`components` sets exactly which components
the group holds, in that order: those it held but are not named move to the end of the page.
PATCH and PUT change only the fields given. DELETE answers with the group as it was and moves
its components to the end of the page (Statuspage: "its child components will be orphaned").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response
from werkzeug.exceptions import BadRequest

from statuspage.api import v1_body as body
from statuspage.api import v1_query as query
from statuspage.api.v1 import as_token, bp, context, json_response
from statuspage.api.v1_serializers_resources import group_record
from statuspage.api.v1_uptime import uptime
from statuspage.components import editing as use_cases
from statuspage.components.deletion import delete_component
from statuspage.core.errors import DomainError, NotFound
from statuspage.models import Component

KEY = "component_group"
# What the wrapper takes (the OpenAPI document's ComponentGroupFields); others: 422.
FIELDS = ("name", "components")


def _group(public_id: str) -> Component:
    group = use_cases.get_component(public_id)
    if not group.is_group:
        raise NotFound(f"No component group with id {public_id!r}.")
    return group


def _read() -> tuple[Mapping[str, Any], str | None]:
    """The wrapped fields, and the description beside the wrapper."""
    raw = body.top_level((KEY, "description"))
    inner = raw.get(KEY)
    if not isinstance(inner, dict):
        raise BadRequest(f'The body must wrap the fields in a "{KEY}" object.')
    body.refuse_unknown(inner, FIELDS)
    return inner, body.text(raw, "description", multiline=True)


def _member_ids(inner: Mapping[str, Any]) -> list[int] | None:
    public_ids = body.id_list(inner, "components")
    if public_ids is None:
        return None
    found = body.components_by_public_id(public_ids, "components")
    return [found[i].id for i in public_ids]


@bp.get("/pages/<page_id>/component-groups")
def group_list() -> Response:
    limit, offset = query.per_page()
    groups = use_cases.groups()[offset:offset + limit]
    ctx = context()
    return json_response([group_record(ctx, g) for g in groups])


@bp.post("/pages/<page_id>/component-groups")
def group_create() -> Response:
    inner, description = _read()
    name = body.text(inner, "name")
    if name is None:
        raise DomainError("Give the group a name.", "name")
    members = _member_ids(inner) or []
    with as_token():
        group = use_cases.create_group(name, None, description=description or "",
                                       component_ids=members)
    return json_response(group_record(context(), group), 201)


@bp.get("/pages/<page_id>/component-groups/<group_id>")
def group_get(group_id: str) -> Response:
    return json_response(group_record(context(), _group(group_id)))


@bp.route("/pages/<page_id>/component-groups/<group_id>", methods=["PATCH", "PUT"])
def group_patch(group_id: str) -> Response:
    group = _group(group_id)
    inner, description = _read()
    name = body.text(inner, "name")
    data = use_cases.GroupInput(
        name=group.name if name is None else name,
        description=(group.description or "") if description is None else description,
        component_ids=_member_ids(inner),
    )
    with as_token():
        group = use_cases.update_group(group, data, None)
    return json_response(group_record(context(), group))


@bp.delete("/pages/<page_id>/component-groups/<group_id>")
def group_delete(group_id: str) -> Response:
    group = _group(group_id)
    record = group_record(context(), group)
    with as_token():
        delete_component(group, None, children="ungroup")
    return json_response(record)


@bp.get("/pages/<page_id>/component-groups/<group_id>/uptime")
def group_uptime(group_id: str) -> Response:
    group = _group(group_id)
    return uptime(group, list(group.children))
