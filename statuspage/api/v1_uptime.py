"""The uptime record both /components/{id}/uptime and /component-groups/{id}/uptime answer.

`start` and `end` take a day, a month or a year (statuspage/api/v1_query.py); the figures are
statuspage.page.uptime_range's.
"""

from __future__ import annotations

from flask import Response

from statuspage.api import v1_query as query
from statuspage.api.v1 import context, json_response
from statuspage.api.v1_serializers_resources import uptime_record
from statuspage.models import Component
from statuspage.page.uptime_range import uptime_between


def uptime(component: Component, members: list[Component]) -> Response:
    """The uptime record of a component (members: itself) or a group (its components)."""
    figures = uptime_between(members, query.partial_date("start", end=False),
                             query.partial_date("end", end=True))
    return json_response(uptime_record(context(), component, figures))
