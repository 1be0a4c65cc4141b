"""Jinja filters and globals: prepared values only, no queries or permission checks."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask
from markupsafe import Markup, escape

from statuspage.models.status import STATUS_LABELS, ComponentStatus
from statuspage.rendering import markdown_html


def status_label(status: str) -> str:
    if status in ComponentStatus.__members__.values():
        return ComponentStatus(status).label
    return STATUS_LABELS.get(status, status.replace("_", " ").capitalize())


def time_tag(value: datetime | None, zone_name: str, fmt: str = "%b %d, %Y %H:%M") -> Markup:
    """`<time datetime="…">Nov 25, 2022 15:50 UTC</time>` in the page's zone, zone named."""
    if value is None:
        return Markup("")
    local = value.astimezone(ZoneInfo(zone_name))
    text = f"{local.strftime(fmt)} {local.tzname()}"
    return Markup('<time datetime="{}">{}</time>').format(
        value.isoformat(timespec="seconds"), escape(text)
    )


def init_app(app: Flask) -> None:
    app.jinja_env.filters["markdown"] = markdown_html
    app.jinja_env.filters["status_label"] = status_label
    app.jinja_env.globals["time_tag"] = time_tag
