"""Jinja filters and globals: prepared values only, no queries or permission checks."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask
from flask_babel import gettext
from markupsafe import Markup, escape

from statuspage.core.i18n import format_when
from statuspage.core.rendering import markdown_html
from statuspage.core.segments import analyse
from statuspage.models.status import STATUS_LABELS, ComponentStatus


def status_label(status: str) -> str:
    """The status as a reader sees it, in the language being rendered.

    The English labels themselves (models.status) stay English for the API and the feeds.
    """
    if status in ComponentStatus.__members__.values():
        return gettext(ComponentStatus(status).label)
    known = STATUS_LABELS.get(status)
    return gettext(known) if known else status.replace("_", " ").capitalize()


def time_tag(value: datetime | None, zone_name: str, fmt: str | None = None) -> Markup:
    """`<time datetime="…">Nov 25, 2022 15:50 UTC</time>` in the page's zone, zone named.

    Written for the current language; a strftime `fmt` (the console's tables) is the same in
    every language.
    """
    if value is None:
        return Markup("")
    zone = ZoneInfo(zone_name)
    if fmt is None:
        text = format_when(value, zone)
    else:
        local = value.astimezone(zone)
        text = f"{local.strftime(fmt)} {local.tzname()}"
    return Markup('<time datetime="{}">{}</time>').format(
        value.isoformat(timespec="seconds"), escape(text)
    )


def init_app(app: Flask) -> None:
    app.jinja_env.filters["markdown"] = markdown_html
    app.jinja_env.filters["status_label"] = status_label
    app.jinja_env.filters["sms_segments"] = analyse  # a composer's SMS text: its cost
    app.jinja_env.globals["time_tag"] = time_tag
