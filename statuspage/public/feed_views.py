"""`/history.rss` and `/history.atom`: the 25 latest incidents and maintenances as feeds."""

from __future__ import annotations

from flask import Response

from statuspage.page import queries
from statuspage.page.record import get_page
from statuspage.public import bp, feeds
from statuspage.web.cache import cached


@bp.get("/history.rss")
@cached
def history_rss() -> Response:
    body = feeds.build_rss(get_page(), queries.feed_items(feeds.FEED_LIMIT))
    return Response(body, content_type="application/rss+xml; charset=utf-8")


@bp.get("/history.atom")
@cached
def history_atom() -> Response:
    body = feeds.build_atom(get_page(), queries.feed_items(feeds.FEED_LIMIT))
    return Response(body, content_type="application/atom+xml; charset=utf-8")
