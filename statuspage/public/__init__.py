"""Public blueprint: the status page, incident permalinks, history and feeds."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("public", __name__)

from statuspage.public import calendar_views, feed_views, subscribe_views, views  # noqa: E402,F401  (routes)
