"""Huey task for retention: a thin wrapper over statuspage.privacy.retention.

Every hour, at a quiet minute: each run does a bounded amount of work in short transactions,
so a backlog (the first run on an old install) drains over several runs without holding a
worker thread for long. Safe on every worker at once: deletes are idempotent and each
subscriber is erased by a conditional UPDATE.
"""

from __future__ import annotations

from dataclasses import asdict

from huey import crontab

from statuspage.privacy import retention
from statuspage.tasks.queues import app_context, huey


@huey.periodic_task(crontab(minute="23"))
def apply_retention() -> dict[str, int | bool]:
    """Delete old delivery records and erase subscribers who left long ago; what it did."""
    with app_context():
        return asdict(retention.apply_retention())
