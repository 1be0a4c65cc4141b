"""Huey tasks for alert intake: thin wrappers over statuspage.alerts.

The notice to the on-duty staff is queued (with a quiet period) when a notification creates a
proposal; the sweep runs every minute and sends any notice that was lost. Resolved alerts are
pruned once a day.
"""

from __future__ import annotations

from huey import crontab

from statuspage.alerts import notices, retention
from statuspage.models import utcnow
from statuspage.tasks.queues import app_context, huey


@huey.task()
def notify_alert_proposal(proposal_id: int) -> int:
    """Tell the on-duty staff that monitoring proposes an incident."""
    with app_context():
        return notices.notify_proposal(proposal_id, utcnow())


@huey.periodic_task(crontab(minute="*"))
def notify_due_alert_proposals() -> list[str]:
    """Tell the staff of every proposal whose notice was lost; returns the public ids."""
    with app_context():
        return notices.notify_due(utcnow())


@huey.periodic_task(crontab(minute="17", hour="3"))
def prune_received_alerts() -> int:
    """Delete resolved alerts older than a month (their proposals stay)."""
    with app_context():
        return retention.prune(utcnow())
