"""Public blueprint: the status page, incident permalinks, history and feeds."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("public", __name__)

from statuspage.public import (  # noqa: E402,F401  (routes)
    branding_views,
    calendar_views,
    embed_views,
    feed_views,
    headers,
    subscribe_views,
    views,
)
