"""Huey task for the update cadence: a thin wrapper over statuspage.incidents.cadence.

Runs every minute on every worker; each reminder is claimed with a conditional UPDATE, so
concurrent runs remind each communications lead once per overdue period.
"""

from __future__ import annotations

from huey import crontab

from statuspage.incidents import cadence
from statuspage.models import utcnow
from statuspage.tasks.queues import app_context, huey


@huey.periodic_task(crontab(minute="*"))
def remind_overdue_updates() -> list[str]:
    """Remind the communications leads of overdue open incidents; returns their public ids."""
    with app_context():
        return cadence.send_due_reminders(utcnow())
