"""Huey task for the update cadence: a thin wrapper over statuspage.incidents.cadence.

Runs every minute on every worker; each reminder is claimed with a conditional UPDATE, so
concurrent runs remind each communications lead once per overdue period.
"""

from __future__ import annotations

from huey import crontab

from statuspage.models import utcnow
from statuspage.tasks.delivery import app_context
from statuspage.tasks.queues import huey


@huey.periodic_task(crontab(minute="*"))
def remind_overdue_updates() -> list[str]:
    """Remind the communications leads of overdue open incidents; returns their public ids."""
    from statuspage.incidents import cadence

    with app_context():
        return cadence.send_due_reminders(utcnow())
