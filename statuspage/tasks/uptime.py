"""Huey task for the uptime bars: a thin wrapper over page.uptime."""

from __future__ import annotations

from huey import crontab

from statuspage.page import uptime
from statuspage.tasks.queues import app_context, huey


@huey.periodic_task(crontab(minute="*/10"))
def refresh_open_rollups() -> int:
    """Keep today's uptime bars of components in open incidents current."""
    with app_context():
        return uptime.refresh_open_incidents()
